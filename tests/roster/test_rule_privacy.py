"""A rule check never tells a director about another unit's shifts (Decree 13/2023): when the
agent's other shift is on a line they do not manage, the rule is named without its times."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from roster.models import Roster
from tests.factories import (
    AgentFactory,
    AssignmentFactory,
    HotlineFactory,
    LineFactory,
    RosterFactory,
    ShiftFactory,
    UserFactory,
)


@pytest.fixture
def other_units_shift(db):
    """An agent of another unit, on that unit's line until the start of a shift of ours."""
    hotline = HotlineFactory()
    ours = LineFactory(hotline=hotline, digit="1")
    theirs = LineFactory(hotline=hotline, digit="2")
    director = UserFactory(username="our-director")
    ours.unit.directors.add(director)
    operator = UserFactory(username="operator")
    hotline.unit.directors.add(operator)
    agent = AgentFactory(unit=theirs.unit, lines=[ours, theirs])

    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    their_roster = RosterFactory()
    their_roster.lines.set([theirs])
    their_shift = ShiftFactory(roster=their_roster, line=theirs, start=start)
    AssignmentFactory(shift=their_shift, agent=agent)
    our_roster = RosterFactory(status=Roster.Status.DRAFT)
    our_roster.lines.set([ours])
    our_shift = ShiftFactory(roster=our_roster, line=ours, start=their_shift.end)
    return {"director": director, "operator": operator, "agent": agent, "shift": our_shift, "theirs": theirs}


def add_by_api(user, shift, agent):
    client = APIClient()
    client.force_authenticate(user)
    return client.post("/api/v1/assignments/", {"shift": shift.pk, "agent": agent.pk}, format="json")


def test_a_director_is_told_the_rule_without_the_other_units_shift(other_units_shift):
    case = other_units_shift
    response = add_by_api(case["director"], case["shift"], case["agent"])
    assert response.status_code == 400
    [message] = response.json()["agent"]
    assert message == f"rule 3 (rest between shifts): agent a{case['agent'].pk} has another shift too close to this one"
    assert not case["shift"].assignments.exists()


def test_the_operator_who_manages_both_lines_gets_the_details(other_units_shift):
    case = other_units_shift
    response = add_by_api(case["operator"], case["shift"], case["agent"])
    assert response.status_code == 400
    [message] = response.json()["agent"]
    assert message.startswith("rule 3 (rest between shifts):") and "between" in message.split(":", 1)[1]


def test_the_builders_live_check_names_the_rule_but_not_the_other_units_shift(other_units_shift):
    case = other_units_shift
    client = Client()
    client.force_login(case["director"])
    page = client.get(f"/shifts/{case['shift'].pk}/check/?agent={case['agent'].pk}").content.decode()
    assert 'data-check="breaks"' in page
    assert case["theirs"].label not in page and "context-" not in page
