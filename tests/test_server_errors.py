"""The server error handler (config/errors.py): a database out of reach is a 503 "try again", a bug the 500 page."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError
from django.test import Client

from config.errors import server_error


def answer_to(error, rf, path="/"):
    """What the handler answers while `error` is being handled, as Django calls it."""
    try:
        raise error
    except Exception:
        return server_error(rf.get(path))


def test_a_page_needing_an_unreachable_database_answers_503_try_again(rf):
    response = answer_to(OperationalError("connection refused"), rf)
    page = response.content.decode()
    assert (response.status_code, response.headers["Retry-After"]) == (503, "30")
    assert "Hệ thống tạm thời gián đoạn" in page and "connection refused" not in page


def test_the_api_answers_503_in_json_when_the_connection_broke(rf):
    response = answer_to(InterfaceError("connection already closed"), rf, "/api/v1/oncall/")
    assert response.status_code == 503
    assert json.loads(response.content) == {"detail": "Hệ thống tạm thời gián đoạn; vui lòng thử lại sau ít phút."}


def test_a_bug_still_gets_the_500_page(rf):
    response = answer_to(ValueError("a bug"), rf)
    assert response.status_code == 500
    assert "Hệ thống đang gặp sự cố" in response.content.decode()


def test_a_form_with_a_stale_token_gets_a_vietnamese_page_in_the_sites_layout(db, client):
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_user("nhung", password="x")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/me/leave/", {"start": "20/01/2027 07:00"}, HTTP_REFERER="http://testserver/me/leave/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hiệu lực" in page and "CSRF" not in page
    assert 'href="http://testserver/me/leave/"' in page and "navbar" in page


@pytest.mark.parametrize(
    ("referer", "linked"),
    [
        ("http://testserver/me/leave/", True),
        ("https://evil.example/me/leave/", False),
        ("http://testserver.evil/", False),
    ],
)
def test_the_stale_token_page_links_back_only_within_the_site(db, referer, linked):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(get_user_model().objects.create_user("nhung", password="x"))
    page = browser.post("/me/leave/", {"start": "20/01/2027 07:00"}, HTTP_REFERER=referer).content.decode()
    assert (f'href="{referer}"' in page) == linked
