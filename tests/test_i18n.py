"""Vietnamese first, English on request."""

from django.contrib.auth import get_user_model
from django.urls import reverse


def test_pages_are_in_vietnamese_even_for_an_english_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    content = response.content.decode()
    assert '<html lang="vi">' in content
    assert "Đăng nhập" in content


def test_the_switcher_turns_the_site_to_english_and_back(client, demo):
    client.force_login(get_user_model().objects.get(username="director"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get("/").content.decode()
    assert '<html lang="en">' in content
    assert "On duty now" in content
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Đang trực" in client.get("/").content.decode()


def test_field_errors_are_in_vietnamese(client, demo):
    response = client.post(reverse("login"), {"username": "director", "password": "sai"})
    assert "Vui lòng điền vào Tên đăng nhập và mật khẩu chính xác" in response.content.decode()
