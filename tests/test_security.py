"""Sign-in lockout, API tokens, rate limits and the security headers every page carries."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import UserFactory

PASSWORD = "secret-pass-1"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@trucban.example")


def sign_in(client, username, password, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7")


def test_five_wrong_passwords_lock_the_sign_in_page_even_for_the_right_one(client, alice):
    for _ in range(4):
        assert sign_in(client, "alice", "wrong").status_code == 200
    response = sign_in(client, "alice", "wrong")
    assert response.status_code == 429
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "15" in response.content.decode()
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_explained_in_vietnamese(client, alice):
    for _ in range(5):
        response = sign_in(client, "alice", "wrong")
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()


def test_a_lockout_is_per_username_and_address_so_a_colleague_elsewhere_still_signs_in(client, alice):
    for _ in range(5):
        sign_in(client, "alice", "wrong")
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 302


def test_the_lockout_lifts_after_the_cool_off(client, alice):
    for _ in range(5):
        sign_in(client, "alice", "wrong")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_out_too(client, alice):
    for _ in range(5):
        response = sign_in(client, "alice", "wrong", path="/admin/login/")
    assert response.status_code == 429


def test_an_admin_unlocks_a_user_by_deleting_their_access_attempts(client, alice):
    for _ in range(5):
        sign_in(client, "alice", "wrong")
    attempt = AccessAttempt.objects.get(username="alice")
    admin_client = client_class_for_admin()
    response = admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def client_class_for_admin():
    from django.test import Client

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def token_for(username, password):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7"
    )


def test_the_token_endpoint_locks_out_after_five_failures(alice):
    for _ in range(5):
        response = token_for("alice", "wrong")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert token_for("alice", PASSWORD).status_code == 429


def test_the_token_endpoint_is_rate_limited_per_username_and_address(alice):
    answers = [token_for("alice", PASSWORD).status_code for _ in range(31)]
    assert answers == [200] * 30 + [429]
    throttled = token_for("alice", PASSWORD)
    assert int(throttled["Retry-After"]) > 0


def test_a_token_is_stored_hashed_and_answered_with_its_expiry(alice):
    response = token_for("alice", PASSWORD)
    assert response.status_code == 200
    token = response.json()["token"]
    expiry = datetime.datetime.fromisoformat(response.json()["expiry"])
    assert timezone.now() + datetime.timedelta(days=29) < expiry <= timezone.now() + datetime.timedelta(days=30)
    stored = AuthToken.objects.get(user=alice)
    assert token not in (stored.digest, stored.token_key)


def api_with(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_stops_working_after_thirty_days(alice):
    token = token_for("alice", PASSWORD).json()["token"]
    assert api_with(token).get("/api/v1/me/shifts/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        assert api_with(token).get("/api/v1/me/shifts/").status_code == 401


def test_a_user_revokes_the_token_they_use(alice):
    token = token_for("alice", PASSWORD).json()["token"]
    assert api_with(token).post("/api/v1/auth/logout/").status_code == 204
    assert api_with(token).get("/api/v1/me/shifts/").status_code == 401


def test_a_user_revokes_all_their_tokens_at_once(alice):
    first = token_for("alice", PASSWORD).json()["token"]
    second = token_for("alice", PASSWORD).json()["token"]
    assert api_with(second).post("/api/v1/auth/logout-all/").status_code == 204
    assert api_with(first).get("/api/v1/me/shifts/").status_code == 401
    assert not AuthToken.objects.filter(user=alice).exists()


def test_password_reset_sends_at_most_three_mails_an_hour_to_one_address(client, alice):
    for _ in range(5):
        response = client.post("/accounts/password_reset/", {"email": "alice@trucban.example"})
        assert response.status_code == 302
    assert len(mail.outbox) == 3


def test_pages_forbid_inline_scripts_and_framing(client, alice):
    response = client.get("/accounts/login/")
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive
    )
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_docs_load_their_script_from_the_site_not_inline(client, alice):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "<script>" not in content.replace(" ", "")
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_a_forged_forwarded_for_does_not_escape_the_lockout_without_a_proxy(client, alice):
    for n in range(5):
        client.post(
            "/accounts/login/",
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429
