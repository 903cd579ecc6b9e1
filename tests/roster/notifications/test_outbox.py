"""The outbox: each message sent at most once, nothing lost to a dead worker, retries with
backoff, and the fallbacks when a channel fails for good; reminders are the messages."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from roster.models import Assignment, Notification
from roster.notifications import outbox, reminders
from roster.notifications.gateways import locmem
from tests.factories import UserFactory
from tests.gateway import FakeGateway

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
NOW = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=TZ)


def test_a_reminder_for_a_shift_reassigned_before_sending_is_cancelled(assign):
    with time_machine.travel(NOW, tick=False):
        assignment = assign(5, email="")
        reminders.create_due_reminders(timezone.now())
        assignment.status = Assignment.Status.DECLINED
        assignment.save()
        outbox.deliver(outbox.due_for_dispatch(timezone.now()))
    assert locmem.outbox == []
    assert Notification.objects.get().status == Notification.Status.CANCELLED


@time_machine.travel(NOW, tick=False)
def test_delivering_the_same_rows_twice_sends_once(assign):
    assign(5, email="")
    reminders.create_due_reminders(timezone.now())
    ids = list(Notification.objects.values_list("pk", flat=True))
    outbox.deliver(ids)
    outbox.deliver(ids)
    assert len(locmem.outbox) == 1


def test_a_row_left_sending_by_a_dead_worker_is_sent_after_the_timeout(settings, assign, run_beat):
    settings.NOTIFICATION_SENDING_TIMEOUT = 120
    with time_machine.travel(NOW, tick=False):
        assign(5, email="")
        reminders.create_due_reminders(timezone.now())
        outbox.claim(outbox.due_for_dispatch(timezone.now()), timezone.now())  # the worker dies here
        run_beat()
        assert locmem.outbox == []
    with time_machine.travel(NOW + datetime.timedelta(minutes=3), tick=False):
        run_beat()
    assert len(locmem.outbox) == 1


def test_a_failing_gateway_is_retried_with_backoff_then_email_takes_over(settings, assign, run_beat):
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
def test_when_every_channel_fails_the_units_director_is_told(settings, assign, run_beat):
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
