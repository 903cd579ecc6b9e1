"""/metrics: closed without a token, and the figures Prometheus alerts on."""

import datetime

import pytest
from django.utils import timezone

from monitoring.models import BeatJob
from roster.models import Assignment, Escalation, Notification
from tests.factories import AssignmentFactory, ShiftFactory

pytestmark = pytest.mark.django_db

TOKEN = "a-long-random-scrape-token"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def get():
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_metrics_do_not_exist_without_a_token_set(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_refuse_a_wrong_token(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert client.get("/metrics").status_code == 401


def test_metrics_count_the_outbox_escalations_gaps_and_beat_in_a_few_queries(scrape, django_assert_max_num_queries):
    now = timezone.now()
    for number, (channel, status) in enumerate([("sms", "pending"), ("sms", "pending"), ("email", "failed")]):
        Notification.objects.create(
            key=f"m{number}",
            kind="reminder",
            channel=channel,
            status=status,
            to="x",
            body="…",
            created_at=now - datetime.timedelta(minutes=10),
        )
    shift = ShiftFactory(start=now + datetime.timedelta(hours=2), end=now + datetime.timedelta(hours=10), required=3)
    AssignmentFactory(shift=shift)
    AssignmentFactory(shift=shift, status=Assignment.Status.DECLINED)
    Escalation.objects.create(shift=shift, unit=shift.line.unit, missing=2)
    BeatJob.objects.create(
        name="roster.tasks.dispatch_due",
        last_started_at=now - datetime.timedelta(seconds=30),
        last_finished_at=now,
        last_duration_ms=1500,
    )
    with django_assert_max_num_queries(12):
        text = scrape()
    assert 'trucban_outbox_pending{channel="sms"} 2.0' in text
    assert 'trucban_outbox_failed{channel="email"} 1.0' in text
    assert "trucban_outbox_oldest_pending_age_seconds 6" in text
    assert "trucban_escalations_open 1.0" in text
    line = shift.line
    assert f'trucban_unstaffed_places_next_24h{{hotline="{line.hotline.number}",line="{line.digit}"}} 2.0' in text
    assert 'trucban_beat_job_duration_seconds{job="roster.tasks.dispatch_due"} 1.5' in text
    assert 'trucban_beat_job_age_seconds{job="roster.tasks.dispatch_due"} 3' in text
