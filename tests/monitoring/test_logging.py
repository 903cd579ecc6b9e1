"""LOG_FORMAT=json: each log record is one JSON line carrying the request's id and the user's id."""

import io
import json
import logging

import pytest

from monitoring.logging import JsonFormatter


@pytest.fixture
def json_log():
    """The console handler as LOG_FORMAT=json configures it, on Django's request logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_a_request_logged_as_json_is_one_line_with_its_request_and_user_ids(login, json_log):
    client = login("director")
    response = client.get("/lines/999999/", headers={"X-Request-ID": "proxy-1234"})
    assert response.status_code == 404
    assert response["X-Request-ID"] == "proxy-1234"
    lines = json_log.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "django.request"
    assert entry["message"] == "Not Found: /lines/999999/"
    assert entry["request_id"] == "proxy-1234"
    assert str(entry["user_id"]) == client.session["_auth_user_id"]
    assert "director" not in lines[0]


def test_an_unsafe_incoming_request_id_is_replaced(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": 'a"b\nc'})
    assert response["X-Request-ID"] != 'a"b\nc'
    assert len(response["X-Request-ID"]) == 32


def test_log_format_json_is_the_console_handlers_formatter(settings):
    # The default is plain; the formatter that LOG_FORMAT names must exist either way.
    assert settings.LOGGING["handlers"]["console"]["formatter"] in settings.LOGGING["formatters"]
    assert settings.LOGGING["formatters"]["json"]["()"] == "monitoring.logging.JsonFormatter"


def test_a_refusal_is_logged_in_one_line_without_a_traceback(login, caplog):
    # `make run`'s console: a 403 is the site working, not a fault to print a traceback for.
    assert login("agent").get("/calls/").status_code == 403
    refusals = [record for record in caplog.records if record.name == "django.request"]
    assert [(r.status_code, r.exc_info) for r in refusals] == [(403, None)]
    assert "Traceback" not in caplog.text


def test_every_page_names_the_sites_icon_so_browsers_do_not_ask_for_favicon_ico(login):
    from django.contrib.staticfiles import finders

    client = login("director")
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("favicon.svg")
    # Pages that name no icon (the admin, the API docs) get one at the root, not a 404.
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")
