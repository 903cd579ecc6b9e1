"""POST /api/v1/switchboard/events/: a cloud switchboard's events, signed with the hotline's secret."""

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from hotline.models import CallRecord
from tests.switchboard.conftest import QUEUE

pytestmark = pytest.mark.django_db

URL = "/api/v1/switchboard/events/"
SECRET = "webhook-secret-for-tests"


@pytest.fixture
def signed_world(world, monkeypatch):
    switchboard = world[2]
    switchboard.webhook_secret_env = "TRUCBAN_TEST_WEBHOOK_SECRET"
    switchboard.save()
    monkeypatch.setenv("TRUCBAN_TEST_WEBHOOK_SECRET", SECRET)
    return world


def post(body: bytes, signature: str | None):
    headers = {"HTTP_X_TRUCBAN_SIGNATURE": signature} if signature is not None else {}
    return Client().post(URL, body, content_type="application/json", **headers)


def sign(body: bytes, secret=SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


NOW = time.time()
CALL = [
    {"Event": "QueueCallerJoin", "Queue": QUEUE, "Uniqueid": "1733451000.3", "Timestamp": NOW - 41},
    {"Event": "QueueCallerAbandon", "Queue": QUEUE, "Uniqueid": "1733451000.3", "HoldTime": 41, "Timestamp": NOW},
]


def test_a_signed_batch_of_events_becomes_a_call_record_once(signed_world):
    body = json.dumps({"hotline": "0290.1022", "events": CALL}).encode()
    response = post(body, sign(body))
    assert response.status_code == 200
    assert response.json() == {"handled": 2}
    assert post(body, sign(body)).status_code == 200  # the contact centre retries
    call = CallRecord.objects.get()
    assert (call.source_id, call.outcome, call.wait_seconds) == ("1733451000.3", "abandoned", 41)


def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(signed_world):
    body = json.dumps({"hotline": "0290.1022", "events": CALL}).encode()
    assert post(body, sign(body, "another-secret")).status_code == 403
    assert post(body, None).status_code == 403
    assert post(body, sign(body + b" ")).status_code == 403
    assert not CallRecord.objects.exists()


def test_a_hotline_without_a_webhook_secret_takes_no_events(world):
    body = json.dumps({"hotline": "0290.1022", "events": CALL}).encode()
    assert post(body, sign(body, "")).status_code == 403


def test_bad_json_gets_field_errors(signed_world):
    assert post(b"{not json", sign(b"{not json")).status_code == 400
    body = json.dumps({"events": [{"Queue": QUEUE}]}).encode()
    response = post(body, sign(body))
    assert response.status_code == 400
    assert set(response.json()) == {"hotline", "events"}


def test_the_signature_is_checked_before_the_events_are_read(signed_world):
    body = json.dumps({"hotline": "0290.1022", "events": [{"Queue": QUEUE}]}).encode()
    assert post(body, None).status_code == 403  # an unsigned caller learns nothing of the fields
    assert post(body, sign(body)).status_code == 400
    nul = json.dumps({"hotline": "0290\x001022", "events": []}).encode()
    assert post(nul, sign(nul)).status_code == 400


def test_a_body_over_the_upload_limit_is_refused(signed_world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"hotline": "0290.1022", "events": CALL * 20}).encode()
    assert post(body, sign(body)).status_code == 400
    assert not CallRecord.objects.exists()


def test_an_event_more_than_a_day_old_is_a_replay_and_is_dropped(signed_world):
    old = [{**event, "Timestamp": event["Timestamp"] - 2 * 86400} for event in CALL]
    body = json.dumps({"hotline": "0290.1022", "events": old}).encode()
    assert post(body, sign(body)).json() == {"handled": 0}
    assert not CallRecord.objects.exists()
