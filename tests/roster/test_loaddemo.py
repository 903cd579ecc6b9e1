"""`loaddemo`: the Cà Mau 1022 hotline with a published roster for today and the next 14 days."""

import datetime
import itertools
from collections import defaultdict

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from hotline.models import Hotline
from roster.demo import demo_load
from roster.models import Agent, Assignment, Escalation, Leave, Notification, Roster, Shift, ShiftChange
from roster.notifications import changes, escalation, missed_calls, reminders
from roster.planning import local_midnight

pytestmark = pytest.mark.django_db

USERS = ["admin", "operator", "director", "director-syt", "director-ldtbxh", "agent"]


def every_row():
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in {"hotline", "roster", "auth"}
    }


def test_loaddemo_loads_the_ca_mau_1022_hotline(capsys):
    call_command("loaddemo")
    hotline = Hotline.objects.get(number="0290.1022")
    assert hotline.name == "Tổng đài dịch vụ công 1022"
    assert hotline.unit.name == "Văn phòng UBND tỉnh Cà Mau"
    lines = {line.digit: line for line in hotline.lines.select_related("unit__parent")}
    assert {d: line.queue for d, line in lines.items()} == {"1": "cm1022-1", "2": "cm1022-2", "3": "cm1022-3"}
    assert lines["1"].unit.name == "Sở Lao động – Thương binh và Xã hội tỉnh Cà Mau"
    assert lines["2"].unit.name == "Trung tâm Kiểm soát Bệnh tật tỉnh Cà Mau"
    assert lines["2"].unit.parent.name == "Sở Y tế tỉnh Cà Mau"
    assert lines["3"].unit.name == "Sở Y tế tỉnh Cà Mau"
    assert Agent.objects.count() >= 30
    output = capsys.readouterr().out
    for username in USERS:
        assert username in output
        assert get_user_model().objects.get(username=username).check_password("trucban-demo")


def test_the_demo_password_can_be_set_from_the_environment(settings):
    settings.DEMO_PASSWORD = "another-pass"
    call_command("loaddemo")
    assert get_user_model().objects.get(username="director").check_password("another-pass")


def test_a_second_run_on_the_same_day_changes_no_row():
    call_command("loaddemo")
    before = every_row()
    call_command("loaddemo")
    assert every_row() == before


def test_a_run_on_a_later_day_only_adds_the_missing_days():
    today = timezone.localdate()
    demo_load(today=today, password="trucban-demo")
    before = every_row()
    demo_load(today=today + datetime.timedelta(days=3), password="trucban-demo")
    after = every_row()
    for label, rows in before.items():
        assert after[label][: len(rows)] == rows, f"{label} rows changed"
    new_shifts = Shift.objects.filter(start__gte=local_midnight(today + datetime.timedelta(days=15)))
    assert new_shifts.exists()
    assert Shift.objects.latest("end").end == local_midnight(today + datetime.timedelta(days=18)) + datetime.timedelta(
        hours=7
    )


def test_the_published_roster_covers_every_line_round_the_clock(demo):
    today = timezone.localdate()
    start, end = local_midnight(today), local_midnight(today + datetime.timedelta(days=15))
    for line in Hotline.objects.get(number="0290.1022").lines.all():
        covered_until = start
        for shift in Shift.objects.published().filter(line=line).order_by("start"):
            if shift.end <= covered_until:
                continue
            assert shift.start <= covered_until, f"line {line.digit} uncovered from {covered_until}"
            covered_until = shift.end
            holding = shift.assignments.exclude(status__in=Assignment.NOT_HOLDING).count()
            assert holding >= shift.required, f"{shift} has {holding} of {shift.required}"
        assert covered_until >= end


def test_the_demo_roster_respects_leave_and_rest(demo):
    for leave in Leave.objects.approved():
        assert not Assignment.objects.filter(agent=leave.agent, start__lt=leave.end, end__gt=leave.start).exists()
    by_agent = defaultdict(list)
    for assignment in Assignment.objects.filter(is_live=True).order_by("start"):
        by_agent[assignment.agent_id].append(assignment)
    for assignments in by_agent.values():
        for before, after in itertools.pairwise(assignments):
            assert after.start - before.end >= datetime.timedelta(hours=12)


def test_the_demo_agent_has_shifts_in_the_next_14_days(demo):
    agent = Agent.objects.get(user__username="agent")
    assert agent.lines.get().digit == "2"
    assert agent.assignments.filter(is_live=True, start__gte=timezone.now()).exists()


def test_the_demo_starts_calm_its_shifts_under_way_checked_in_and_no_change_messages(demo, settings):
    published = Roster.objects.get(status=Roster.Status.PUBLISHED).published_at
    begun = Assignment.objects.filter(is_live=True, start__lte=published)
    assert begun.filter(end__gt=published).exists(), "the demo holds the shifts under way when it is loaded"
    assert set(begun.values_list("status", flat=True)) == {Assignment.Status.CHECKED_IN}
    assert not Assignment.objects.filter(start__gt=published, status=Assignment.Status.CHECKED_IN).exists()
    assert not ShiftChange.objects.exists()

    # The worker's first minute after `make run` (beat's minute jobs), once the grace period is over.
    now = published + datetime.timedelta(minutes=settings.CHECKIN_GRACE_MINUTES + 1)
    reminders.create_due_reminders(now)
    changes.tell_changes(now)
    escalation.raise_escalations(now)
    missed_calls.alert_missed_calls(now)
    assert not Escalation.objects.exists()
    assert not Notification.objects.exclude(kind=Notification.Kind.REMINDER).exists()
