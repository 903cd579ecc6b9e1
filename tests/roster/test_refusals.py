"""A refused hand edit says, in words a director acts on, what stands in the way — never a
rule's number; a no-show may be covered beyond the headcount on a live shift, as extra."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from roster import services
from roster.models import Assignment, Roster, UnitRules
from roster.planning import plan_for
from tests.factories import AgentFactory, AssignmentFactory, LeaveFactory, RosterFactory, ShiftFactory, UserFactory

TZ_DAY = datetime.date(2027, 3, 1)
pytestmark = pytest.mark.django_db


def local(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def draft(line):
    roster = RosterFactory(status=Roster.Status.DRAFT, start=TZ_DAY, end=TZ_DAY + datetime.timedelta(days=6))
    roster.lines.set([line])
    return roster


@pytest.fixture
def director(line):
    user = UserFactory(username="giamdoc", first_name="Minh", last_name="Nguyễn Văn")
    line.unit.directors.add(user)
    return user


def explained(shift, agent, **kwargs):
    with translation.override("vi"):
        return services.explained_breaches(shift=shift, agent=agent, **kwargs)


def test_too_little_rest_names_the_night_shift_and_the_rest_needed(line, draft):
    thao = AgentFactory(unit=line.unit, lines=[line], full_name="Kiều Thị Phương Thảo")
    night = ShiftFactory(roster=draft, line=line, start=local(TZ_DAY, 19), end=local(TZ_DAY + datetime.timedelta(1), 7))
    AssignmentFactory(shift=night, agent=thao)
    day = ShiftFactory(roster=draft, line=line, start=night.end, end=night.end + datetime.timedelta(hours=12))
    assert explained(day, thao) == [
        "Kiều Thị Phương Thảo vừa trực đêm 19:00–07:00 ngày 01/03; cần nghỉ đủ 12 giờ trước ca tiếp theo."
    ]


def test_a_shift_too_soon_after_is_named_too(line, draft):
    agent = AgentFactory(unit=line.unit, lines=[line], full_name="Lê Văn Tám")
    later = ShiftFactory(roster=draft, line=line, start=local(TZ_DAY, 19), end=local(TZ_DAY + datetime.timedelta(1), 7))
    AssignmentFactory(shift=later, agent=agent)
    earlier = ShiftFactory(roster=draft, line=line, start=local(TZ_DAY, 7), end=local(TZ_DAY, 19))
    assert explained(earlier, agent) == [
        "Lê Văn Tám có ca 19:00–07:00 ngày 01/03 ngay sau ca này; cần nghỉ đủ 12 giờ giữa hai ca."
    ]


def test_leave_is_named_with_its_dates(line, draft):
    agent = AgentFactory(unit=line.unit, lines=[line], full_name="Lê Văn Tám")
    LeaveFactory(agent=agent, start=local(TZ_DAY, 0), end=local(TZ_DAY + datetime.timedelta(2), 0))
    shift = ShiftFactory(roster=draft, line=line, start=local(TZ_DAY, 7), end=local(TZ_DAY, 19))
    assert explained(shift, agent) == ["Lê Văn Tám nghỉ phép từ 00:00 01/03/2027 đến 00:00 03/03/2027."]


def test_a_full_shift_and_an_agent_already_on_it_are_told_apart(line, draft):
    first, second = AgentFactory.create_batch(2, unit=line.unit, lines=[line])
    shift = ShiftFactory(roster=draft, line=line, start=local(TZ_DAY, 7), end=local(TZ_DAY, 19), required=1)
    AssignmentFactory(shift=shift, agent=first)
    assert explained(shift, second) == ["Ca này đã đủ 1 người theo yêu cầu."]
    assert explained(shift, first) == [f"{first.full_name} đã có trong ca này."]


def test_a_unit_that_allows_an_extra_agent_takes_one_by_hand_as_a_place_of_the_plan(line, draft, director):
    UnitRules.objects.create(unit=line.unit, extra_agents_per_shift=1)
    first, second, third = AgentFactory.create_batch(3, unit=line.unit, lines=[line])
    shift = ShiftFactory(roster=draft, line=line, start=local(TZ_DAY, 7), end=local(TZ_DAY, 19), required=1)
    AssignmentFactory(shift=shift, agent=first)

    added = services.assignment_add(shift=shift, agent=second, by=director)

    # Not cover for a no-show: the next build counts it among the shift's agents.
    assert not added.is_extra
    assert (f"s{shift.pk}", f"a{second.pk}") in set(plan_for(draft).problem.fixed)
    assert explained(shift, third) == ["Ca này đã đủ 1 người theo yêu cầu và 1 người thêm mà đơn vị cho phép."]
    with pytest.raises(services.RosterError):
        services.assignment_add(shift=shift, agent=third, by=director)


def test_the_api_keeps_the_checkers_wording(line, draft, director):
    first, second = AgentFactory.create_batch(2, unit=line.unit, lines=[line])
    shift = ShiftFactory(roster=draft, line=line, start=local(TZ_DAY, 7), end=local(TZ_DAY, 19), required=1)
    AssignmentFactory(shift=shift, agent=first)
    api = APIClient()
    api.force_authenticate(director)
    response = api.post("/api/v1/assignments/", {"shift": shift.pk, "agent": second.pk}, format="json")
    assert response.status_code == 400
    [message] = response.json()["agent"]
    assert message.startswith("rule 7 (places and fixed assignments):")


@pytest.fixture
def live_shift(line):
    """A published shift under way whose one agent did not come."""
    began = timezone.now() - datetime.timedelta(hours=1)
    # Between midnight and 1 a.m. the shift began yesterday: the roster spans both days.
    roster = RosterFactory(start=timezone.localdate(began), end=timezone.localdate())
    roster.lines.set([line])
    shift = ShiftFactory(roster=roster, line=line, start=began, required=1)
    absent = AgentFactory(unit=line.unit, lines=[line], full_name="Trần Văn Vắng")
    AssignmentFactory(shift=shift, agent=absent)
    return shift


def builder_period():
    today = timezone.localdate().isoformat()
    return {"start": today, "end": today}


def live_period(shift):
    """The builder's period around a live shift: from the day it began to today."""
    return {"start": timezone.localdate(shift.start).isoformat(), "end": timezone.localdate().isoformat()}


def test_a_director_covers_a_no_show_beyond_the_headcount_as_extra(line, live_shift, director):
    cover = AgentFactory(unit=line.unit, lines=[line], full_name="Lê Thị Bù")
    client = Client()
    client.force_login(director)
    check = client.get(f"/shifts/{live_shift.pk}/check/?agent={cover.pk}").content.decode()
    assert 'data-check="extra"' in check
    response = client.post(f"/shifts/{live_shift.pk}/add/", {"agent": cover.pk, **live_period(live_shift)}, follow=True)
    page = response.content.decode()
    assert '<div class="alert alert-warning">' in page and "Lê Thị Bù" in page
    assert "data-extra" in page
    assignment = live_shift.assignments.get(agent=cover)
    assert assignment.is_extra and assignment.is_live


@pytest.mark.parametrize("full", [False, True])
def test_adding_an_agent_on_the_page_runs_the_planner_once(line, draft, director, monkeypatch, full):
    """Whether the add is refused (a full coming shift) or done, one plan is checked."""
    first, second = AgentFactory.create_batch(2, unit=line.unit, lines=[line])
    shift = ShiftFactory(roster=draft, line=line, start=local(TZ_DAY, 7), end=local(TZ_DAY, 19), required=1)
    if full:
        AssignmentFactory(shift=shift, agent=first)
    plans = []

    def counted_plan_for(roster, **kwargs):
        plans.append(roster)
        return plan_for(roster, **kwargs)

    monkeypatch.setattr(services, "plan_for", counted_plan_for)
    client = Client()
    client.force_login(director)
    page = client.post(f"/shifts/{shift.pk}/add/", {"agent": second.pk, **builder_period()}, follow=True)
    assert len(plans) == 1
    assert shift.assignments.filter(agent=second).exists() != full
    assert ("Ca này đã đủ 1 người theo yêu cầu." in page.content.decode()) == full


def test_extra_cover_is_never_a_fixed_place_so_later_builds_stay_valid(line, live_shift, director):
    cover = AgentFactory(unit=line.unit, lines=[line])
    services.assignment_add(shift=live_shift, agent=cover, by=director, extra_allowed=True)
    day = timezone.localdate(live_shift.start)
    draft = services.draft_for(lines=[line], start=day, end=day)
    copied = Assignment.objects.get(shift__roster=draft, agent=cover)
    assert copied.is_extra
    plan = plan_for(draft)
    placed = {agent for _shift, agent in (*plan.problem.fixed, *plan.problem.current)}
    assert f"a{cover.pk}" not in placed
    assert any(h.agent == f"a{cover.pk}" for h in plan.problem.history)
    assert plan.unkept_fixed == []

    result = services.roster_build(lines=[line], start=day, end=day, time_limit_s=2)
    assert Assignment.objects.filter(shift__roster=result.roster, agent=cover, is_extra=True).exists()


def test_a_coming_shift_takes_no_extra(line, director):
    roster = RosterFactory(start=timezone.localdate(), end=timezone.localdate() + datetime.timedelta(days=3))
    roster.lines.set([line])
    shift = ShiftFactory(roster=roster, line=line, start=timezone.now() + datetime.timedelta(days=2), required=1)
    AssignmentFactory(shift=shift, agent=AgentFactory(unit=line.unit, lines=[line]))
    other = AgentFactory(unit=line.unit, lines=[line])
    with pytest.raises(services.RosterError):
        services.assignment_add(shift=shift, agent=other, by=director, extra_allowed=True)
    assert explained(shift, other, extra_allowed=True) == ["Ca này đã đủ 1 người theo yêu cầu."]
