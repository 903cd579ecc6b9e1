"""Fixtures of the notification tests."""

import datetime

import pytest
from django.utils import timezone

from roster.models import Roster
from roster.notifications import outbox, reminders
from roster.notifications.gateways import locmem
from roster.services import roster_build, roster_publish
from tests.factories import MONDAY, AgentFactory, AssignmentFactory, RosterFactory, ShiftFactory


@pytest.fixture(autouse=True)
def notification_settings(settings):
    """The same start whatever the environment sets: SMS into the locmem outbox, emptied,
    and reminders 24 hours and 1 hour before a shift."""
    settings.SMS_BACKEND = "locmem"
    settings.REMINDER_LEAD_TIMES = "24h,1h"
    locmem.outbox.clear()


@pytest.fixture
def assign():
    """Assign a new agent to an 8-hour shift of a published roster, `hours_from_now` hours from now."""

    def assign(hours_from_now, email="nhung@trucban.example", roster_status=Roster.Status.PUBLISHED, **kwargs):
        agent = AgentFactory(full_name="Nguyễn Thị Hồng Nhung", email=email)
        start = timezone.now() + datetime.timedelta(hours=hours_from_now)
        shift = ShiftFactory(
            start=start, end=start + datetime.timedelta(hours=8), roster=RosterFactory(status=roster_status)
        )
        return AssignmentFactory(shift=shift, agent=agent, **kwargs)

    return assign


@pytest.fixture
def run_beat():
    """What the every-minute beat task does for reminders, in this process."""

    def run_beat():
        now = timezone.now()
        outbox.requeue_stuck(now)
        reminders.create_due_reminders(now)
        outbox.deliver(outbox.due_for_dispatch(now))

    return run_beat


@pytest.fixture
def publish():
    """Build a roster of `line` for `days` days from MONDAY and publish it."""

    def publish(line, days=7, allow_gaps=False):
        result = roster_build(
            lines=[line], start=MONDAY, end=MONDAY + datetime.timedelta(days=days - 1), time_limit_s=5
        )
        roster_publish(roster=result.roster, allow_gaps=allow_gaps)
        return result

    return publish
