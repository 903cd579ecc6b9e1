"""A shift is named by the day it starts: the night that began on 1 March 19:00 is
"19:00–07:00 01/03" on pages and in messages, never the next day's date."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from roster.models import Notification, Shift
from roster.notifications import escalation
from tests.factories import AgentFactory, AssignmentFactory, LineFactory, RosterFactory, ShiftFactory, UserFactory

pytestmark = pytest.mark.django_db

MARCH_1 = datetime.date(2027, 3, 1)


def local(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_a_night_shift_is_named_by_the_day_it_starts():
    night = Shift(start=local(MARCH_1, 19), end=local(MARCH_1 + datetime.timedelta(days=1), 7))
    assert night.label == "19:00–07:00 01/03"
    assert night.times == "19:00–07:00"
    assert night.day == MARCH_1


def test_the_escalation_mail_names_the_night_by_the_day_it_began():
    line = LineFactory(digit="2")
    director = UserFactory(username="giamdoc")
    line.unit.directors.add(director)
    roster = RosterFactory(start=MARCH_1, end=MARCH_1 + datetime.timedelta(days=1))
    night = ShiftFactory(
        roster=roster, line=line, start=local(MARCH_1, 19), end=local(MARCH_1 + datetime.timedelta(1), 7)
    )
    AssignmentFactory(shift=night, agent=AgentFactory(unit=line.unit, lines=[line]))
    escalation.raise_escalations(local(MARCH_1 + datetime.timedelta(days=1), 1))
    mail = Notification.objects.get(user=director)
    assert "19:00–07:00 01/03" in mail.body
    assert "02/03" not in mail.body


def test_the_dashboard_names_the_night_under_way_by_the_day_it_began():
    line = LineFactory(digit="2")
    director = UserFactory(username="giamdoc")
    line.unit.directors.add(director)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    roster = RosterFactory(start=yesterday, end=today)
    # Began yesterday at 19:00 and runs past now, whatever the hour of the test.
    end = timezone.localtime(timezone.now() + datetime.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    ShiftFactory(roster=roster, line=line, start=local(yesterday, 19), end=end)
    client = Client()
    client.force_login(director)
    page = client.get("/").content.decode()
    assert f"19:00–{end:%H:%M} {yesterday:%d/%m}" in page
