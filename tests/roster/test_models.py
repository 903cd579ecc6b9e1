import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from roster.models import Agent, Assignment, Roster
from tests.factories import AgentFactory, AssignmentFactory, RosterFactory, ShiftFactory, UnitFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)


def at(day, hour):
    return datetime.datetime(2026, 12, day, hour, 0, tzinfo=TZ)


def test_a_shift_ends_after_it_starts():
    with pytest.raises(IntegrityError, match="shift_end_after_start"):
        ShiftFactory(start=at(1, 7), end=at(1, 7))


def test_a_shift_needs_at_least_one_agent():
    with pytest.raises(IntegrityError, match="shift_required_at_least_one"):
        ShiftFactory(required=0)


def test_an_agent_is_on_a_shift_once():
    assignment = AssignmentFactory()
    with pytest.raises(
        IntegrityError,
        match=r"assignment_agent_once_per_shift|roster_assignment\.shift_id, roster_assignment\.agent_id",
    ):
        AssignmentFactory(shift=assignment.shift, agent=assignment.agent)


def test_a_roster_does_not_end_before_it_starts():
    with pytest.raises(IntegrityError, match="roster_end_not_before_start"):
        RosterFactory(start=datetime.date(2026, 12, 2), end=datetime.date(2026, 12, 1))


def test_leave_ends_after_it_starts():
    agent = AgentFactory()
    with pytest.raises(IntegrityError, match="leave_end_after_start"):
        agent.leaves.create(start=at(2, 0), end=at(1, 0))


def test_an_assignment_copies_its_shifts_time_and_is_live_on_a_published_roster():
    shift = ShiftFactory(start=at(1, 7), end=at(1, 19))
    assignment = AssignmentFactory(shift=shift)
    assert (assignment.start, assignment.end, assignment.is_live) == (at(1, 7), at(1, 19), True)


def test_draft_and_declined_assignments_are_not_live():
    draft = AssignmentFactory(shift__roster__status=Roster.Status.DRAFT)
    declined = AssignmentFactory(status=Assignment.Status.DECLINED)
    assert not draft.is_live
    assert not declined.is_live


def test_declining_an_assignment_releases_the_agent():
    assignment = AssignmentFactory()
    assignment.status = Assignment.Status.DECLINED
    assignment.save(update_fields=["status"])
    assignment.refresh_from_db()
    assert not assignment.is_live


def test_phone_numbers_are_stored_in_e164():
    agent = AgentFactory(phone="0912 345 678")
    assert agent.phone == "+84912345678"


def test_a_bad_phone_number_is_a_field_error():
    agent = Agent(unit=UnitFactory(), full_name="Lê Văn A", phone="12345")
    with pytest.raises(ValidationError) as error:
        agent.full_clean()
    assert "phone" in error.value.message_dict


def test_resetting_the_calendar_token_makes_a_new_secret():
    agent = AgentFactory()
    old = agent.calendar_token
    agent.reset_calendar_token()
    agent.refresh_from_db()
    assert agent.calendar_token != old
    assert len(agent.calendar_token) >= 40


def test_night_shifts_overlap_the_night_by_three_hours_or_more():
    assert ShiftFactory.build(start=at(1, 19), end=at(2, 7)).is_night()
    assert ShiftFactory.build(start=at(1, 19), end=at(2, 1)).is_night()  # 22:00–01:00 is 180 minutes
    assert not ShiftFactory.build(start=at(1, 15), end=at(2, 0)).is_night()  # 120 minutes
    assert not ShiftFactory.build(start=at(1, 7), end=at(1, 19)).is_night()


def test_changes_to_agents_and_assignments_are_kept_in_their_history():
    agent = AgentFactory(full_name="Trần Văn B")
    agent.full_name = "Trần Văn Bình"
    agent.save()
    assert [h.full_name for h in agent.history.order_by("history_date")] == ["Trần Văn B", "Trần Văn Bình"]
