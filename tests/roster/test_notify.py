"""Shift reminders and the outbox, with the worker's functions called in this process."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from roster import notify, sms
from roster.models import Assignment, Notification, Roster
from tests.factories import AgentFactory, AssignmentFactory, RosterFactory, ShiftFactory, UserFactory
from tests.gateway import FakeGateway

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
NOW = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def locmem_sms(settings):
    settings.SMS_BACKEND = "locmem"
    settings.REMINDER_LEAD_TIMES = "24h,1h"
    sms.outbox.clear()


def shift_at(hours_from_now, **kwargs):
    start = NOW + datetime.timedelta(hours=hours_from_now)
    return ShiftFactory(start=start, end=start + datetime.timedelta(hours=8), **kwargs)


def assign(hours_from_now, email="nhung@trucban.example", roster_status=Roster.Status.PUBLISHED, **kwargs):
    agent = AgentFactory(full_name="Nguyễn Thị Hồng Nhung", email=email)
    shift = shift_at(hours_from_now, roster=RosterFactory(status=roster_status))
    return AssignmentFactory(shift=shift, agent=agent, **kwargs)


def run_beat():
    """What the every-minute beat task does, in this process."""
    now = timezone.now()
    notify.requeue_stuck(now)
    notify.create_due_reminders(now)
    notify.deliver(notify.due_for_dispatch(now))


def test_lead_times_are_read_from_the_setting(settings):
    settings.REMINDER_LEAD_TIMES = "1h, 24h,90m"
    assert notify.lead_times() == [
        datetime.timedelta(hours=24),
        datetime.timedelta(minutes=90),
        datetime.timedelta(hours=1),
    ]
    settings.REMINDER_LEAD_TIMES = "tomorrow"
    with pytest.raises(ValueError, match="REMINDER_LEAD_TIMES"):
        notify.lead_times()


@time_machine.travel(NOW, tick=False)
def test_the_24_hour_reminder_goes_by_sms_and_email_once():
    assignment = assign(20)
    run_beat()
    run_beat()
    assert len(sms.outbox) == 1
    assert sms.outbox[0]["to"] == assignment.agent.phone
    assert sms.outbox[0]["key"] == f"reminder:{assignment.pk}:24h:sms"
    assert "04:00-12:00" in sms.outbox[0]["body"] and "02/12" in sms.outbox[0]["body"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nhung@trucban.example"]
    assert "Nguyễn Thị Hồng Nhung" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 2


def test_both_reminders_go_at_their_times():
    with time_machine.travel(NOW, tick=False):
        assignment = assign(20, email="")
        run_beat()
    with time_machine.travel(NOW + datetime.timedelta(hours=19, minutes=30), tick=False):
        run_beat()
    assert [m["key"] for m in sms.outbox] == [f"reminder:{assignment.pk}:24h:sms", f"reminder:{assignment.pk}:1h:sms"]


@time_machine.travel(NOW, tick=False)
def test_an_agent_added_half_an_hour_before_gets_only_the_1_hour_reminder():
    assignment = assign(0.5, email="")
    run_beat()
    assert [m["key"] for m in sms.outbox] == [f"reminder:{assignment.pk}:1h:sms"]


@time_machine.travel(NOW, tick=False)
def test_no_reminder_for_drafts_declined_shifts_or_shifts_already_begun():
    assign(5, email="", roster_status=Roster.Status.DRAFT)
    assign(5, email="", status=Assignment.Status.DECLINED)
    assign(-1, email="")
    run_beat()
    assert sms.outbox == []


def test_a_reminder_for_a_shift_reassigned_before_sending_is_cancelled():
    with time_machine.travel(NOW, tick=False):
        assignment = assign(5, email="")
        notify.create_due_reminders(timezone.now())
        assignment.status = Assignment.Status.DECLINED
        assignment.save()
        notify.deliver(notify.due_for_dispatch(timezone.now()))
    assert sms.outbox == []
    assert Notification.objects.get().status == Notification.Status.CANCELLED


@time_machine.travel(NOW, tick=False)
def test_an_agent_who_turned_sms_off_gets_email_only():
    assignment = assign(5)
    assignment.agent.notify_by_sms = False
    assignment.agent.save()
    run_beat()
    assert sms.outbox == [] and len(mail.outbox) == 1


@time_machine.travel(NOW, tick=False)
def test_an_english_speaking_agent_gets_english():
    assignment = assign(5, email="")
    assignment.agent.language = "en"
    assignment.agent.save()
    run_beat()
    assert sms.outbox[0]["body"].startswith("Truc Ban: your shift on line")


@time_machine.travel(NOW, tick=False)
def test_delivering_the_same_rows_twice_sends_once():
    assign(5, email="")
    notify.create_due_reminders(timezone.now())
    ids = list(Notification.objects.values_list("pk", flat=True))
    notify.deliver(ids)
    notify.deliver(ids)
    assert len(sms.outbox) == 1


def test_a_row_left_sending_by_a_dead_worker_is_sent_after_the_timeout(settings):
    settings.NOTIFICATION_SENDING_TIMEOUT = 120
    with time_machine.travel(NOW, tick=False):
        assign(5, email="")
        notify.create_due_reminders(timezone.now())
        notify.claim(notify.due_for_dispatch(timezone.now()), timezone.now())  # the worker dies here
        run_beat()
        assert sms.outbox == []
    with time_machine.travel(NOW + datetime.timedelta(minutes=3), tick=False):
        run_beat()
    assert len(sms.outbox) == 1


def test_a_failing_gateway_is_retried_with_backoff_then_email_takes_over(settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    with FakeGateway([(500, {"error": "down"})]) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url
        settings.REMINDER_LEAD_TIMES = "24h"
        with time_machine.travel(NOW, tick=False):
            assignment = assign(20, email="")
            assignment.agent.email = "nhung@trucban.example"
            assignment.agent.notify_by_email = False  # SMS only, until SMS fails
            assignment.agent.save()
            run_beat()
            row = Notification.objects.get()
            assert (row.status, row.attempts) == (Notification.Status.PENDING, 1)
            assert row.next_attempt_at == NOW + datetime.timedelta(seconds=30)
            run_beat()
            assert len(gateway.requests) == 1, "not retried before the backoff"
        with time_machine.travel(NOW + datetime.timedelta(seconds=31), tick=False):
            run_beat()
        with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
            run_beat()  # third attempt fails for good; the email fallback is made
            run_beat()
    assert len(gateway.requests) == 3
    sms_row = Notification.objects.get(channel=Notification.Channel.SMS)
    assert sms_row.status == Notification.Status.FAILED and "500" in sms_row.last_error
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nhung@trucban.example"]


@time_machine.travel(NOW, tick=False)
def test_when_every_channel_fails_the_units_director_is_told(settings):
    with FakeGateway([(400, {"error": "number blocked"})]) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url
        assignment = assign(5, email="")
        director = UserFactory(username="giam-doc", email="giamdoc@trucban.example")
        assignment.agent.unit.directors.add(director)
        run_beat()
        run_beat()
    assert len(gateway.requests) == 1, "a 4xx is not retried"
    told = Notification.objects.get(kind=Notification.Kind.UNDELIVERED)
    assert told.user == director
    assert [m.to for m in mail.outbox] == [["giamdoc@trucban.example"]]
    assert "Nguyễn Thị Hồng Nhung" in mail.outbox[0].subject


@time_machine.travel(NOW, tick=False)
def test_a_unit_can_set_its_own_lead_times():
    own = assign(20, email="")
    own.agent.unit.reminder_lead_times = "2h"
    own.agent.unit.save()
    other = assign(20, email="")
    run_beat()
    assert [m["key"] for m in sms.outbox] == [f"reminder:{other.pk}:24h:sms"]
    with time_machine.travel(NOW + datetime.timedelta(hours=18, minutes=30), tick=False):
        run_beat()
    assert sms.outbox[-1]["key"] == f"reminder:{own.pk}:2h:sms"
