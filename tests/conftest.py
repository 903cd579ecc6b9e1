import pytest
from django.conf import settings
from django.utils import timezone

from roster.demo import demo_load


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing takes a quarter of a second a password; tests do not need it strong."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    """The Cà Mau 1022 demo, as `loaddemo` loads it today."""
    demo_load(today=timezone.localdate(), password=settings.DEMO_PASSWORD)


@pytest.fixture
def login(client, demo):
    """Sign the test client in as one of the demo users."""

    def sign_in(username):
        assert client.login(username=username, password=settings.DEMO_PASSWORD)
        return client

    return sign_in
