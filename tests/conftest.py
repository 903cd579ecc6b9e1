import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from roster.demo import demo_load


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing takes a quarter of a second a password; tests do not need it strong."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """The on-duty board is cached for a few seconds; one test must not see another's."""
    cache.clear()


@pytest.fixture
def demo(db):
    """The Cà Mau 1022 demo, as `loaddemo` loads it today."""
    demo_load(today=timezone.localdate(), password=settings.DEMO_PASSWORD)


@pytest.fixture
def login(client, demo):
    """Sign the test client in as one of the demo users."""

    def sign_in(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return sign_in


@pytest.fixture
def api(demo):
    """An API client, signed in by token as one of the demo users (anonymous without a name)."""

    def as_user(username=None):
        client = APIClient()
        if username:
            _instance, token = AuthToken.objects.create(user=get_user_model().objects.get(username=username))
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return as_user
