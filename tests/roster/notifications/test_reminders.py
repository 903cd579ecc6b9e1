"""Shift reminders: when each is due, to whom, by which channel, in which language."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from roster.models import Assignment, Notification, Roster
from roster.notifications import reminders
from roster.notifications.gateways import locmem

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
NOW = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=TZ)


def test_lead_times_are_read_from_the_setting(settings):
    settings.REMINDER_LEAD_TIMES = "1h, 24h,90m"
    assert reminders.lead_times() == [
        datetime.timedelta(hours=24),
        datetime.timedelta(minutes=90),
        datetime.timedelta(hours=1),
    ]
    settings.REMINDER_LEAD_TIMES = "tomorrow"
    with pytest.raises(ValueError, match="REMINDER_LEAD_TIMES"):
        reminders.lead_times()


@time_machine.travel(NOW, tick=False)
def test_the_24_hour_reminder_goes_by_sms_and_email_once(assign, run_beat):
    assignment = assign(20)
    run_beat()
    run_beat()
    assert len(locmem.outbox) == 1
    assert locmem.outbox[0]["to"] == assignment.agent.phone
    assert locmem.outbox[0]["key"] == f"reminder:{assignment.pk}:24h:sms"
    assert "04:00-12:00" in locmem.outbox[0]["body"] and "02/12" in locmem.outbox[0]["body"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nhung@trucban.example"]
    assert "Nguyễn Thị Hồng Nhung" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 2


def test_both_reminders_go_at_their_times(assign, run_beat):
    with time_machine.travel(NOW, tick=False):
        assignment = assign(20, email="")
        run_beat()
    with time_machine.travel(NOW + datetime.timedelta(hours=19, minutes=30), tick=False):
        run_beat()
    assert [m["key"] for m in locmem.outbox] == [
        f"reminder:{assignment.pk}:24h:sms",
        f"reminder:{assignment.pk}:1h:sms",
    ]


@time_machine.travel(NOW, tick=False)
def test_an_agent_added_half_an_hour_before_gets_only_the_1_hour_reminder(assign, run_beat):
    assignment = assign(0.5, email="")
    run_beat()
    assert [m["key"] for m in locmem.outbox] == [f"reminder:{assignment.pk}:1h:sms"]


@time_machine.travel(NOW, tick=False)
def test_no_reminder_for_drafts_declined_shifts_or_shifts_already_begun(assign, run_beat):
    assign(5, email="", roster_status=Roster.Status.DRAFT)
    assign(5, email="", status=Assignment.Status.DECLINED)
    assign(-1, email="")
    run_beat()
    assert locmem.outbox == []


@time_machine.travel(NOW, tick=False)
def test_an_agent_who_turned_sms_off_gets_email_only(assign, run_beat):
    assignment = assign(5)
    assignment.agent.notify_by_sms = False
    assignment.agent.save()
    run_beat()
    assert locmem.outbox == [] and len(mail.outbox) == 1


@time_machine.travel(NOW, tick=False)
def test_an_english_speaking_agent_gets_english(assign, run_beat):
    assignment = assign(5, email="")
    assignment.agent.language = "en"
    assignment.agent.save()
    run_beat()
    assert locmem.outbox[0]["body"].startswith("Truc Ban: your shift on line")


@time_machine.travel(NOW, tick=False)
def test_a_unit_can_set_its_own_lead_times(assign, run_beat):
    own = assign(20, email="")
    own.agent.unit.reminder_lead_times = "2h"
    own.agent.unit.save()
    other = assign(20, email="")
    run_beat()
    assert [m["key"] for m in locmem.outbox] == [f"reminder:{other.pk}:24h:sms"]
    with time_machine.travel(NOW + datetime.timedelta(hours=18, minutes=30), tick=False):
        run_beat()
    assert locmem.outbox[-1]["key"] == f"reminder:{own.pk}:2h:sms"
