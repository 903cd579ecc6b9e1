"""The beat's jobs cost the same number of queries for one hotline as for three.

A national install runs 34 hotlines (bench/national.py); a job whose queries grew with the
hotlines, their lines or their units would stretch every minute's tick as provinces join."""

import datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline import tasks as hotline_tasks
from hotline.models import CallRecord
from roster import tasks
from roster.models import Escalation, MissedCallAlert, Notification, RosterBuild, ShiftChange
from roster.notifications import changes, outbox, reminders
from roster.notifications.gateways import locmem
from tests.factories import (
    AgentFactory,
    AssignmentFactory,
    HotlineFactory,
    LineFactory,
    RosterFactory,
    ShiftFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def hotline_with_work(now):
    """One hotline whose every beat job has something to do this minute: a shift under way
    nobody checked in to, an escalation due to climb, reminders due under the site's and a
    unit's own lead times, settled roster changes, missed calls, a place unfilled this week."""
    operator = UnitFactory()
    health = UnitFactory()
    cdc = UnitFactory(parent=health, phone="0912 000 111", reminder_lead_times="3h,1h")
    district = UnitFactory()
    for unit in (operator, health, cdc, district):
        unit.directors.add(UserFactory())
    hotline = HotlineFactory(unit=operator)
    line1 = LineFactory(hotline=hotline, digit="1", unit=cdc)
    line2 = LineFactory(hotline=hotline, digit="2", unit=district)
    roster = RosterFactory()
    hours = datetime.timedelta(hours=1)

    def shift(line, start, required=1, *agents):
        made = ShiftFactory(roster=roster, line=line, start=start, end=start + 8 * hours, required=required)
        for agent in agents:
            AssignmentFactory(shift=made, agent=agent)
        return made

    absent = AgentFactory(unit=cdc, lines=[line1], email="absent@trucban.example")
    AgentFactory(unit=cdc, lines=[line1])  # free and rested: asked to stand by
    shift(line1, now - datetime.timedelta(minutes=20), 1, absent)
    late = shift(line2, now - datetime.timedelta(minutes=40), 1, AgentFactory(unit=district, lines=[line2]))
    Escalation.objects.create(
        shift=late, unit=district, missing=1, opened_at=now - 2 * hours, escalated_at=now - 2 * hours
    )
    shift(line1, now + datetime.timedelta(minutes=50), 1, AgentFactory(unit=cdc, email="soon@trucban.example"))
    tomorrow = AgentFactory(unit=district, email="tomorrow@trucban.example")
    shift(line2, now + 23 * hours, 2, tomorrow)
    ShiftChange.objects.create(
        agent=tomorrow,
        line=line2,
        start=now + 23 * hours,
        end=now + 31 * hours,
        change=ShiftChange.Change.ADDED,
        created_at=now - datetime.timedelta(minutes=5),
    )
    for minute in (2, 4, 6):
        CallRecord.objects.create(
            hotline=hotline,
            line=line1,
            source_id=f"missed-{line1.pk}-{minute}",
            started_at=now - datetime.timedelta(minutes=minute),
            ended_at=now - datetime.timedelta(minutes=minute - 1),
            outcome=CallRecord.Outcome.ABANDONED,
        )
    long_ago = now - datetime.timedelta(days=400)
    CallRecord.objects.create(
        hotline=hotline,
        line=line2,
        source_id=f"old-{line2.pk}",
        started_at=long_ago,
        ended_at=long_ago,
        outcome=CallRecord.Outcome.ANSWERED,
        answered_at=long_ago,
        caller="0912***678",
        caller_hash="0" * 64,
    )
    RosterBuild.objects.create(
        start=now.date(), end=now.date(), status=RosterBuild.Status.RUNNING, deadline=now - hours
    )


def dispatch_due():
    """roster.tasks.dispatch_due but the hand-over to workers, which makes no query."""
    now = timezone.now()
    outbox.requeue_stuck(now)
    reminders.create_due_reminders(now)
    changes.tell_changes(now)
    outbox.due_for_dispatch(now)


JOBS = {
    "dispatch_due": dispatch_due,
    "check_staffing": tasks.check_staffing,
    "check_missed_calls": tasks.check_missed_calls,
    "sweep_roster_builds": tasks.sweep_roster_builds,
    "alert_gaps_daily": tasks.alert_gaps_daily,
    "erase_old_callers": hotline_tasks.erase_old_callers,
    "delete_spent_links": tasks.delete_spent_links,
}


def run_jobs(hotlines):
    """Each job's query count with this many hotlines of work, and what the jobs did; rolled back."""
    with transaction.atomic():
        now = timezone.now()
        for _ in range(hotlines):
            hotline_with_work(now)
        counts = {}
        for name, job in JOBS.items():
            with CaptureQueriesContext(connection) as queries:
                job()
            counts[name] = len(queries)
        done = {
            "escalations raised": Escalation.objects.filter(level=0).count(),
            "escalations climbed": Escalation.objects.filter(level=1).count(),
            "reminders": Notification.objects.filter(kind=Notification.Kind.REMINDER).count(),
            "changes told": Notification.objects.filter(kind=Notification.Kind.CHANGES).count(),
            "missed-call alerts": MissedCallAlert.objects.count(),
            "gap emails": Notification.objects.filter(kind=Notification.Kind.GAPS).count(),
            "builds swept": RosterBuild.objects.filter(status=RosterBuild.Status.FAILED).count(),
            "callers erased": CallRecord.objects.filter(source_id__startswith="old-", caller="").count(),
        }
        transaction.set_rollback(True)
    return counts, done


def test_each_beat_job_makes_as_many_queries_for_three_hotlines_as_for_one(settings):
    settings.REMINDER_LEAD_TIMES = "24h,1h"
    settings.CHECKIN_GRACE_MINUTES = 10
    settings.ESCALATION_STEP_MINUTES = 15
    one, done_for_one = run_jobs(1)
    three, done_for_three = run_jobs(3)
    # Every job had work for each hotline, three times as much the second time...
    assert all(count > 0 for count in done_for_one.values()), done_for_one
    assert {what: 3 * count for what, count in done_for_one.items()} == done_for_three
    # ...and asked the database no more often for it.
    assert one == three, (one, three)


def test_a_reminder_made_ahead_of_its_time_goes_at_its_time(assign, run_beat):
    """A country's shift change makes thousands of reminders due the same minute, so they are
    made in the minutes before: the agent still hears at the lead time, not earlier."""
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        assignment = assign(hours_from_now=70 / 60)
        run_beat()
    assert [m["key"] for m in locmem.outbox] == [f"reminder:{assignment.pk}:24h:sms"]
    with time_machine.travel(now + datetime.timedelta(minutes=9), tick=False):
        run_beat()
    assert len(locmem.outbox) == 1
    with time_machine.travel(now + datetime.timedelta(minutes=10), tick=False):
        run_beat()
    assert [m["key"] for m in locmem.outbox][1:] == [f"reminder:{assignment.pk}:1h:sms"]
