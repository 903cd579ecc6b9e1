"""Gap alerts: the daily list of unfilled places, and the urgent one when a change leaves a
place empty within 48 hours."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from roster.models import Assignment, Notification, Roster, Shift
from roster.names import person_name
from roster.notifications import gaps, outbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
BEFORE = datetime.datetime(2027, 2, 27, 9, 0, tzinfo=TZ)  # the Saturday before MONDAY


@pytest.fixture
def director(line):
    user = UserFactory(username="director", email="director@trucban.example")
    line.unit.directors.add(user)
    return user


def test_the_daily_gap_alert_lists_unfilled_places_once_a_day(line, director, publish, mailoutbox):
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    with time_machine.travel(BEFORE, tick=False):
        publish(line, days=2, allow_gaps=True)
        Notification.objects.filter(kind=Notification.Kind.GAPS).delete()
    with time_machine.travel(BEFORE.replace(hour=16), tick=False):
        gaps.alert_gaps(timezone.now())
        gaps.alert_gaps(timezone.now())
        outbox.deliver(outbox.due_for_dispatch(timezone.now()))
    gap_mails = [m for m in mailoutbox if "vị trí còn trống" in m.subject or "unfilled" in m.subject]
    assert len(gap_mails) == 1
    assert gap_mails[0].to == ["director@trucban.example"]
    unfilled = [s for s in Shift.objects.filter(roster__status=Roster.Status.PUBLISHED) if not s.is_full()]
    assert unfilled
    for shift in unfilled:
        assert shift.label in gap_mails[0].body  # named by the day it starts
    # Greeted by name and signed, as the agents' mails are.
    assert gap_mails[0].body.startswith(f"Xin chào {person_name(director)},\n\n")
    assert f"\n\nTrực Ban · {settings.SITE_URL}" in gap_mails[0].body


def test_publishing_with_a_gap_within_48_hours_alerts_the_director_at_once(line, director, publish, mailoutbox):
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    with time_machine.travel(BEFORE + datetime.timedelta(days=1), tick=False):
        publish(line, days=2, allow_gaps=True)
        outbox.deliver(outbox.due_for_dispatch(timezone.now()))
    assert [m.to for m in mailoutbox] == [["director@trucban.example"]]


def test_no_urgent_alert_when_the_gaps_are_further_away(line, director, publish, mailoutbox):
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    with time_machine.travel(BEFORE - datetime.timedelta(days=3), tick=False):
        publish(line, days=2, allow_gaps=True)
    assert not Notification.objects.filter(kind=Notification.Kind.GAPS).exists()
    assert Roster.objects.filter(status=Roster.Status.PUBLISHED).exists()


def test_declining_a_shift_tomorrow_alerts_the_director_at_once(line, director, publish, client, mailoutbox):
    with time_machine.travel(BEFORE + datetime.timedelta(days=1), tick=False):
        publish(line, days=2)
        assignment = Assignment.objects.filter(is_live=True).order_by("start").first()
        assignment.agent.user = UserFactory(username="phuc")
        assignment.agent.save()
        client.force_login(assignment.agent.user)
        assert 'data-action="decline"' in client.get("/").content.decode()
        client.post(reverse("decline", args=[assignment.pk]))
        outbox.deliver(outbox.due_for_dispatch(timezone.now()))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.DECLINED and not assignment.is_live
    assert [m.to for m in mailoutbox] == [["director@trucban.example"]]


def test_an_agent_cannot_decline_a_shift_already_begun(line, publish, client):
    publish(line, days=2)
    assignment = Assignment.objects.filter(is_live=True).order_by("start").first()
    assignment.agent.user = UserFactory(username="phuc")
    assignment.agent.save()
    client.force_login(assignment.agent.user)
    with time_machine.travel(assignment.start + datetime.timedelta(minutes=5), tick=False):
        client.post(reverse("decline", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ASSIGNED
