"""Roster-change messages and gap alerts."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from roster import alerts, notify, sms
from roster.models import Assignment, Notification, Roster, ShiftChange
from roster.services import roster_build, roster_publish
from tests.roster.test_build import MONDAY, line  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
BEFORE = datetime.datetime(2027, 2, 27, 9, 0, tzinfo=TZ)  # the Saturday before MONDAY


@pytest.fixture(autouse=True)
def locmem_sms(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()


def beat():
    now = timezone.now()
    alerts.tell_changes(now)
    notify.deliver(notify.due_for_dispatch(now))


def publish(line, days=7, allow_gaps=False):  # noqa: F811
    result = roster_build(lines=[line], start=MONDAY, end=MONDAY + datetime.timedelta(days=days - 1), time_limit_s=5)
    roster_publish(roster=result.roster, allow_gaps=allow_gaps)
    return result


def test_each_agent_gets_one_message_with_their_new_shifts(line):  # noqa: F811
    with time_machine.travel(BEFORE, tick=False):
        publish(line)
        beat()
        assert sms.outbox == [], "changes wait a few minutes to be batched"
    with time_machine.travel(BEFORE + datetime.timedelta(minutes=4), tick=False):
        beat()
        beat()
    agents_with_shifts = {c.agent_id for c in ShiftChange.objects.all()}
    assert len(sms.outbox) == len(agents_with_shifts) >= 3
    assert all(m["body"].count("+ ") >= 1 for m in sms.outbox)
    assert not ShiftChange.objects.filter(notified_at__isnull=True).exists()


def test_a_republished_roster_tells_only_who_gained_or_lost_shifts(line):  # noqa: F811
    with time_machine.travel(BEFORE, tick=False):
        publish(line)
    with time_machine.travel(BEFORE + datetime.timedelta(minutes=4), tick=False):
        beat()
        sms.outbox.clear()
        leaving = line.agents.first()
        leaving.active = False
        leaving.save()
        publish(line)
    with time_machine.travel(BEFORE + datetime.timedelta(minutes=8), tick=False):
        beat()
    told = {m["to"] for m in sms.outbox}
    assert leaving.phone in told
    assert "- " in next(m["body"] for m in sms.outbox if m["to"] == leaving.phone)
    assert len(told) < line.agents.count()


def test_a_shift_added_and_removed_within_the_batch_is_not_told(line):  # noqa: F811
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
    assert sms.outbox == []
    assert not ShiftChange.objects.filter(notified_at__isnull=True).exists()


@pytest.fixture
def director(line):  # noqa: F811
    from tests.factories import UserFactory

    user = UserFactory(username="director", email="director@trucban.example")
    line.unit.directors.add(user)
    return user


def test_the_daily_gap_alert_lists_unfilled_places_once_a_day(line, director, mailoutbox):  # noqa: F811
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    with time_machine.travel(BEFORE, tick=False):
        publish(line, days=2, allow_gaps=True)
        Notification.objects.filter(kind=Notification.Kind.GAPS).delete()
    with time_machine.travel(BEFORE.replace(hour=16), tick=False):
        alerts.alert_gaps(timezone.now())
        alerts.alert_gaps(timezone.now())
        notify.deliver(notify.due_for_dispatch(timezone.now()))
    gap_mails = [m for m in mailoutbox if "vị trí còn trống" in m.subject or "unfilled" in m.subject]
    assert len(gap_mails) == 1
    assert gap_mails[0].to == ["director@trucban.example"]
    assert "01/03 19:00–07:00" in gap_mails[0].body


def test_publishing_with_a_gap_within_48_hours_alerts_the_director_at_once(line, director, mailoutbox):  # noqa: F811
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    with time_machine.travel(BEFORE + datetime.timedelta(days=1), tick=False):
        publish(line, days=2, allow_gaps=True)
        notify.deliver(notify.due_for_dispatch(timezone.now()))
    assert [m.to for m in mailoutbox] == [["director@trucban.example"]]


def test_no_urgent_alert_when_the_gaps_are_further_away(line, director, mailoutbox):  # noqa: F811
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    with time_machine.travel(BEFORE - datetime.timedelta(days=3), tick=False):
        publish(line, days=2, allow_gaps=True)
    assert not Notification.objects.filter(kind=Notification.Kind.GAPS).exists()
    assert Roster.objects.filter(status=Roster.Status.PUBLISHED).exists()


def test_declining_a_shift_tomorrow_alerts_the_director_at_once(line, director, client, mailoutbox):  # noqa: F811
    from tests.factories import UserFactory

    with time_machine.travel(BEFORE + datetime.timedelta(days=1), tick=False):
        publish(line, days=2)
        assignment = Assignment.objects.filter(is_live=True).order_by("start").first()
        assignment.agent.user = UserFactory(username="phuc")
        assignment.agent.save()
        client.force_login(assignment.agent.user)
        assert 'data-action="decline"' in client.get("/").content.decode()
        client.post(reverse("decline", args=[assignment.pk]))
        notify.deliver(notify.due_for_dispatch(timezone.now()))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.DECLINED and not assignment.is_live
    assert [m.to for m in mailoutbox] == [["director@trucban.example"]]


def test_an_agent_cannot_decline_a_shift_already_begun(line, client):  # noqa: F811
    from tests.factories import UserFactory

    publish(line, days=2)
    assignment = Assignment.objects.filter(is_live=True).order_by("start").first()
    assignment.agent.user = UserFactory(username="phuc")
    assignment.agent.save()
    client.force_login(assignment.agent.user)
    with time_machine.travel(assignment.start + datetime.timedelta(minutes=5), tick=False):
        client.post(reverse("decline", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ASSIGNED
