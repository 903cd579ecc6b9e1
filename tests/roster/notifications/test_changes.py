"""Roster-change messages: one message per agent once their changes settle."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from roster.models import ShiftChange
from roster.notifications import changes, outbox
from roster.notifications.gateways import locmem

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
BEFORE = datetime.datetime(2027, 2, 27, 9, 0, tzinfo=TZ)  # the Saturday before MONDAY


def beat():
    now = timezone.now()
    changes.tell_changes(now)
    outbox.deliver(outbox.due_for_dispatch(now))


def test_each_agent_gets_one_message_with_their_new_shifts(line, publish):
    with time_machine.travel(BEFORE, tick=False):
        publish(line)
        beat()
        assert locmem.outbox == [], "changes wait a few minutes to be batched"
    with time_machine.travel(BEFORE + datetime.timedelta(minutes=4), tick=False):
        beat()
        beat()
    agents_with_shifts = {c.agent_id for c in ShiftChange.objects.all()}
    assert len(locmem.outbox) == len(agents_with_shifts) >= 3
    assert all(m["body"].count("+ ") >= 1 for m in locmem.outbox)
    assert not ShiftChange.objects.filter(notified_at__isnull=True).exists()


def test_a_republished_roster_tells_only_who_gained_or_lost_shifts(line, publish):
    with time_machine.travel(BEFORE, tick=False):
        publish(line)
    with time_machine.travel(BEFORE + datetime.timedelta(minutes=4), tick=False):
        beat()
        locmem.outbox.clear()
        leaving = line.agents.first()
        leaving.active = False
        leaving.save()
        publish(line)
    with time_machine.travel(BEFORE + datetime.timedelta(minutes=8), tick=False):
        beat()
    told = {m["to"] for m in locmem.outbox}
    assert leaving.phone in told
    assert "- " in next(m["body"] for m in locmem.outbox if m["to"] == leaving.phone)
    assert len(told) < line.agents.count()


def test_a_shift_added_and_removed_within_the_batch_is_not_told(line):
    agent = line.agents.first()
    start = timezone.now() + datetime.timedelta(days=2)
    for change in (ShiftChange.Change.ADDED, ShiftChange.Change.REMOVED):
        ShiftChange.objects.create(
            agent=agent,
            line=line,
            start=start,
            end=start + datetime.timedelta(hours=12),
            change=change,
            created_at=timezone.now() - datetime.timedelta(minutes=5),
        )
    beat()
    assert locmem.outbox == []
    assert not ShiftChange.objects.filter(notified_at__isnull=True).exists()
