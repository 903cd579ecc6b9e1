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


def test_djangos_own_messages_read_as_our_vietnamese(db):
    # Django's Vietnamese says "bằng với 0 ." and has no words for a NUL (config/django_messages.py).
    from django import forms
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("vi"):
        for field, value, said in [
            (forms.IntegerField(min_value=1), "0", "Hãy nhập giá trị lớn hơn hoặc bằng 1."),
            (forms.IntegerField(max_value=168), "200", "Hãy nhập giá trị nhỏ hơn hoặc bằng 168."),
            (forms.CharField(), "a\x00b", "Không được chứa ký tự NUL (ký tự rỗng)."),
        ]:
            try:
                field.clean(value)
            except ValidationError as e:
                assert e.messages == [said]
            else:
                raise AssertionError(f"{value!r} was taken")
