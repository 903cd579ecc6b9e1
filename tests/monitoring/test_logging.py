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
