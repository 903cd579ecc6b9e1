import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from roster.demo import demo_load

# Real hashing takes a quarter of a second a password; tests do not need it strong.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def empty_cache():
    """The on-duty board is cached for a few seconds; one test must not see another's."""
    cache.clear()


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker):
    """The Cà Mau 1022 demo, as `loaddemo` loads it today, built once per test session with the
    real engine and kept as rows: the build is rolled back, so tests that do not ask for the
    demo start from an empty database."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        models = apps.get_models(include_auto_created=True)
        before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
        demo_load(today=timezone.localdate(), password=settings.DEMO_PASSWORD)
        rows = {}
        for model in models:
            fields = [field.attname for field in model._meta.concrete_fields]
            new = model._base_manager.exclude(pk__in=before[model]).order_by("pk").values(*fields)
            if new:
                rows[model] = list(new)
        transaction.set_rollback(True)
    return rows


def insert_rows(rows):
    # The database defers its foreign-key checks to the end of the transaction, so the order
    # of the tables does not matter; the sequences moved past these ids when they were built.
    for model, values in rows.items():
        model._base_manager.bulk_create([model(**value) for value in values])


@pytest.fixture
def demo(db, demo_rows):
    """The Cà Mau 1022 demo, as `loaddemo` loads it today (copied in from the session's build)."""
    insert_rows(demo_rows)


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
