import pytest

pytestmark = pytest.mark.django_db


def test_healthz_says_ok_when_the_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"db": "ok", "broker": "ok", "beat": "ok", "outbox": "ok"}


def test_healthz_is_503_naming_the_broker_when_it_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"db": "ok", "broker": "down", "beat": "ok", "outbox": "ok"}


def test_healthz_is_never_cached(client):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
