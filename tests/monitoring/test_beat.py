"""The beat watch: each run of a scheduled job is noted, and a silent beat turns /healthz and the dashboard red."""

import datetime
import zoneinfo

import pytest
import time_machine
from celery import shared_task

from monitoring import health
from monitoring.models import BeatJob
from roster.models import Notification
from roster.tasks import check_staffing

pytestmark = pytest.mark.django_db

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 12, 2, 6, 16, tzinfo=HANOI)
FREQUENT = ["roster.tasks.check_staffing", "roster.tasks.dispatch_due", "roster.tasks.check_missed_calls"]


@pytest.fixture
def long_running(monkeypatch):
    """A web process started an hour before NOW, so the beat is judged."""
    monkeypatch.setattr(health, "PROCESS_STARTED_AT", NOW - datetime.timedelta(hours=1))


def beat_ran(ago, names=FREQUENT):
    for name in names:
        BeatJob.objects.update_or_create(
            name=name,
            defaults={
                "last_started_at": NOW - ago,
                "last_finished_at": NOW - ago + datetime.timedelta(seconds=1),
                "last_duration_ms": 1000,
            },
        )


def message(**fields):
    return Notification.objects.create(
        key=f"test-{Notification.objects.count()}",
        kind="reminder",
        channel="sms",
        to="+84913000000",
        body="…",
        **fields,
    )


@shared_task(name="tests.monitoring.fails")
def fails():
    raise ValueError("the gateway is gone")


def test_running_a_beat_task_notes_its_start_and_duration():
    with time_machine.travel(NOW):
        check_staffing.apply()
    job = BeatJob.objects.get(name="roster.tasks.check_staffing")
    assert NOW <= job.last_started_at <= job.last_finished_at
    assert job.last_duration_ms >= 0
    assert job.last_error == ""


def test_a_failing_beat_task_notes_its_error(settings):
    settings.CELERY_BEAT_SCHEDULE = {"fails": {"task": "tests.monitoring.fails", "schedule": 60.0}}
    fails.apply()
    assert BeatJob.objects.get(name="tests.monitoring.fails").last_error == "ValueError: the gateway is gone"


def test_a_task_outside_the_beat_schedule_is_not_noted(settings):
    settings.CELERY_BEAT_SCHEDULE = {}
    check_staffing.apply()
    assert not BeatJob.objects.exists()


def test_healthz_says_the_beat_stopped_when_it_ran_four_minutes_ago(client, long_running):
    beat_ran(datetime.timedelta(minutes=4))
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["beat"] == "stopped 06:12"
    assert body["beat_jobs"] == dict.fromkeys(FREQUENT, 240)
    assert body["db"] == body["broker"] == body["outbox"] == "ok"


def test_the_load_balancers_probe_asks_only_what_a_web_process_needs(client, long_running):
    """A stopped beat must not take every web server out of the load balancer."""
    beat_ran(datetime.timedelta(minutes=4))
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz?scope=web")
    assert response.status_code == 200
    assert response.json() == {"db": "ok", "broker": "ok"}


def test_the_dashboard_shows_a_red_banner_when_the_beat_stopped(login, long_running):
    beat_ran(datetime.timedelta(minutes=4))
    with time_machine.travel(NOW, tick=False):
        content = login("director").get("/").content.decode()
    assert "data-beat-stopped" in content
    assert "Nhắc lịch và cảnh báo đã ngừng từ 06:12" in content


def test_a_beat_that_ran_a_minute_ago_is_ok(client, login, long_running):
    beat_ran(datetime.timedelta(minutes=1))
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz")
        content = login("director").get("/").content.decode()
    assert response.status_code == 200
    assert response.json()["beat"] == "ok"
    assert "beat_jobs" not in response.json()
    assert "data-beat-stopped" not in content


def test_a_web_process_started_a_minute_ago_does_not_judge_the_beat_yet(client, monkeypatch):
    monkeypatch.setattr(health, "PROCESS_STARTED_AT", NOW - datetime.timedelta(minutes=1))
    beat_ran(datetime.timedelta(hours=2))
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["beat"] == "ok"


def test_a_beat_that_never_ran_counts_as_stopped_since_the_process_started(client, long_running):
    with time_machine.travel(NOW, tick=False):
        assert client.get("/healthz").json()["beat"] == "stopped 05:16"


def test_a_daily_job_is_late_three_minutes_after_its_due_time_without_a_run(long_running):
    beat_ran(datetime.timedelta(minutes=1))
    # erase_old_callers is due at 02:30; it last ran the night before.
    beat_ran(datetime.timedelta(hours=27, minutes=46), names=["hotline.tasks.erase_old_callers"])
    beat_ran(datetime.timedelta(hours=3, minutes=46), names=["roster.tasks.alert_gaps_daily"])
    beat_ran(datetime.timedelta(hours=3, minutes=31), names=["roster.tasks.delete_spent_links"])
    state = health.beat_health(NOW)
    assert state.stopped_since is None
    assert state.late == {"hotline.tasks.erase_old_callers": datetime.datetime(2026, 12, 2, 2, 30, tzinfo=HANOI)}


def test_healthz_says_the_outbox_is_late_when_a_message_waits_over_five_minutes(client):
    message(next_attempt_at=NOW - datetime.timedelta(minutes=7))
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["outbox"] == "late 06:09"


def test_a_message_due_two_minutes_ago_is_not_late(client):
    message(next_attempt_at=NOW - datetime.timedelta(minutes=2))
    with time_machine.travel(NOW, tick=False):
        assert client.get("/healthz").json()["outbox"] == "ok"


def test_the_admin_lists_the_beat_jobs(login):
    beat_ran(datetime.timedelta(minutes=1))
    response = login("admin").get("/admin/monitoring/beatjob/")
    assert response.status_code == 200
    assert "roster.tasks.dispatch_due" in response.content.decode()
