"""Building rosters from the database: `roster_build`, publishing, re-planning and `build_roster`."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from hotline.models import StaffingRequirement
from roster import solver
from roster.models import Assignment, Leave, PublicHoliday, Roster, RosterBuild, Shift, ShiftPattern
from roster.planning import local_midnight, plan_for
from roster.services import RosterError, roster_build, roster_build_run, roster_publish, roster_replan_queue
from tests.factories import MONDAY, AgentFactory, HotlineFactory, LineFactory, UnitFactory

pytestmark = pytest.mark.django_db


def build(line, days=7, **kwargs):
    return roster_build(
        lines=[line], start=MONDAY, end=MONDAY + datetime.timedelta(days=days - 1), time_limit_s=5, **kwargs
    )


def every_rule_holds(roster):
    """Re-check the written roster with the engine's independent checker."""
    plan = plan_for(roster)
    pairs = [
        (f"s{a.shift_id}", f"a{a.agent_id}")
        for a in Assignment.objects.filter(shift__roster=roster)
        if a.status not in Assignment.NOT_HOLDING
    ]
    return solver.check(plan.problem, pairs) == []


def test_a_build_makes_the_patterns_shifts_and_fills_them(line):
    result = build(line)
    assert (result.filled, result.required) == (14, 14)
    assert result.roster.status == Roster.Status.DRAFT
    assert result.roster.shifts.count() == 14
    assert every_rule_holds(result.roster)
    assert Assignment.objects.filter(source=Assignment.Source.SOLVER, is_live=False).count() == 14


def test_staffing_requirements_set_each_shifts_headcount(line):
    for day in range(7):
        StaffingRequirement.objects.create(
            line=line, weekday=day, start=datetime.time(7), end=datetime.time(19), required=2
        )
        StaffingRequirement.objects.create(
            line=line, weekday=day, start=datetime.time(19), end=datetime.time(0), required=1
        )
        StaffingRequirement.objects.create(
            line=line, weekday=day, start=datetime.time(0), end=datetime.time(7), required=1
        )
    result = build(line)
    assert sorted({s.required for s in result.roster.shifts.all()}) == [1, 2]
    assert result.required == 21


def test_a_rebuild_keeps_confirmed_and_hand_made_assignments(line):
    first = build(line)
    confirmed, manual = Assignment.objects.filter(shift__roster=first.roster).order_by("start")[:2]
    confirmed.status = Assignment.Status.CONFIRMED
    confirmed.save()
    manual.source = Assignment.Source.MANUAL
    manual.save()
    again = build(line)
    assert again.roster == first.roster
    kept = Assignment.objects.filter(shift__roster=first.roster)
    assert kept.filter(pk=confirmed.pk, status=Assignment.Status.CONFIRMED).exists()
    assert kept.filter(pk=manual.pk).exists()


def test_a_rebuild_with_nothing_changed_changes_nothing(line):
    first = build(line)
    before = set(Assignment.objects.filter(shift__roster=first.roster).values_list("shift_id", "agent_id"))
    again = build(line)
    assert again.changed == 0
    assert set(Assignment.objects.filter(shift__roster=first.roster).values_list("shift_id", "agent_id")) == before


def test_leave_is_respected(line):
    agent = line.agents.first()
    Leave.objects.create(
        agent=agent,
        start=local_midnight(MONDAY),
        end=local_midnight(MONDAY + datetime.timedelta(days=7)),
        status=Leave.Status.APPROVED,
    )
    result = build(line)
    assert not Assignment.objects.filter(shift__roster=result.roster, agent=agent).exists()


def test_an_unfilled_place_comes_with_its_reason(line):
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    result = build(line, days=2)
    assert result.filled < result.required
    assert not result.complete
    assert all("line" in place.reason for place in result.unfilled)
    assert result.most == result.filled, "one agent can do no more: the engine proves it"


def test_publishing_makes_the_roster_live_and_replaces_the_old_one(line):
    first = build(line)
    roster_publish(roster=first.roster)
    assert Assignment.objects.filter(shift__roster=first.roster, is_live=True).count() == 14
    second = build(line)
    assert second.roster != first.roster, "a published period is rebuilt on a new draft"
    assert Shift.objects.published().count() == 14, "the published roster stays until the draft is published"
    roster_publish(roster=second.roster)
    first.roster.refresh_from_db()
    assert Shift.objects.published().filter(roster=second.roster).count() == 14
    assert Shift.objects.published().count() == 14
    assert Assignment.objects.filter(is_live=True).count() == 14
    assert Roster.objects.filter(status=Roster.Status.SUPERSEDED).exists()


def test_an_incomplete_roster_is_published_only_when_gaps_are_accepted(line):
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    result = build(line, days=2)
    with pytest.raises(RosterError, match="vị trí trống"):
        roster_publish(roster=result.roster)
    roster_publish(roster=result.roster, allow_gaps=True)
    result.roster.refresh_from_db()
    assert result.roster.is_published


def test_an_agent_of_two_lines_is_never_on_both_at_once(line):
    other = LineFactory(digit="3", hotline=line.hotline, unit=line.unit)
    ShiftPattern.objects.create(
        line=other, name="Ca ngày", start_time=datetime.time(7), duration=datetime.timedelta(hours=12)
    )
    shared = AgentFactory(unit=line.unit, lines=[line, other])
    other_roster = roster_build(lines=[other], start=MONDAY, end=MONDAY + datetime.timedelta(days=6), time_limit_s=5)
    roster_publish(roster=other_roster.roster, allow_gaps=True)
    other_days = set(Assignment.objects.filter(agent=shared, is_live=True).values_list("start", flat=True))
    result = build(line)
    for assignment in Assignment.objects.filter(shift__roster=result.roster, agent=shared):
        assert assignment.start not in other_days
    roster_publish(roster=result.roster)  # the exclusion constraint would refuse a double booking


def test_replanning_after_sick_leave_replaces_only_that_agent(line):
    roster_publish(roster=build(line).roster)
    sick = Assignment.objects.filter(is_live=True).order_by("start").first().agent
    before = set(Assignment.objects.filter(is_live=True).exclude(agent=sick).values_list("start", "agent_id"))
    Leave.objects.create(
        agent=sick,
        start=local_midnight(MONDAY),
        end=local_midnight(MONDAY + datetime.timedelta(days=3)),
        status=Leave.Status.APPROVED,
        reason="Ốm",
    )
    builds = roster_replan_queue(agent=sick, start=MONDAY, end=MONDAY + datetime.timedelta(days=2))
    assert [job.replan for job in builds] == [True]
    assert Assignment.objects.filter(is_live=True, agent=sick).exists(), "the request only queues the re-plan"
    for job in builds:
        roster_build_run(build_id=job.pk)  # what the worker does
        job.refresh_from_db()
        assert job.status == RosterBuild.Status.DONE
        assert job.roster.status == Roster.Status.PUBLISHED
    live = Assignment.objects.filter(is_live=True)
    assert not live.filter(agent=sick, start__lt=local_midnight(MONDAY + datetime.timedelta(days=3))).exists()
    assert before <= set(live.values_list("start", "agent_id")), "everyone else keeps their shifts"
    assert Shift.objects.published().count() == 14


def test_vietnams_public_holidays_are_seeded_once_and_stay_editable(line):
    build(line)
    assert PublicHoliday.objects.filter(date=datetime.date(2027, 2, 6)).exists()  # Tết Nguyên Đán
    PublicHoliday.objects.filter(date=datetime.date(2027, 5, 3)).delete()
    build(line)
    assert not PublicHoliday.objects.filter(date=datetime.date(2027, 5, 3)).exists()


def run_command(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("build_roster", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_build_roster_prints_filled_and_exits_0_when_complete(line):
    code, out, _ = run_command("--line", "2", "--start", "2027-03-01", "--end", "2027-03-07")
    assert code == 0
    assert out.splitlines()[0] == "filled 14/14"


def test_build_roster_publishes_a_complete_roster(line):
    code, _, _ = run_command("--line", "2", "--start", "2027-03-01", "--end", "2027-03-07", "--publish")
    assert code == 0
    assert Shift.objects.published().count() == 14


def test_build_roster_lists_unfilled_shifts_and_exits_3(line):
    line.agents.exclude(pk=line.agents.first().pk).update(active=False)
    code, out, _ = run_command("--line", "2", "--start", "2027-03-01", "--end", "2027-03-02", "--publish")
    assert code == 3
    lines = out.splitlines()
    assert lines[0].startswith("filled ") and lines[0] != "filled 4/4"
    assert any("2027-03-01" in entry and "qualified for line" in entry for entry in lines[1:])
    assert not Shift.objects.published().exists()
    code, _, _ = run_command("--line", "2", "--start", "2027-03-01", "--end", "2027-03-02", "--publish", "--allow-gaps")
    assert code == 3
    assert Shift.objects.published().exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--line", "9", "--start", "2027-03-01", "--end", "2027-03-07"],
        ["--line", "2", "--start", "2027-03-07", "--end", "2027-03-01"],
        ["--line", "2", "--start", "01/03/2027", "--end", "2027-03-07"],
        ["--line", "2", "--start", "2027-03-01", "--end", "2027-03-07", "--allow-gaps"],
    ],
)
def test_build_roster_exits_2_on_bad_arguments(line, args):
    with pytest.raises(Exception) as error:
        call_command("build_roster", *args)
    assert getattr(error.value, "returncode", None) == 2


def test_build_roster_needs_the_hotline_when_two_have_the_digit(line):
    LineFactory(digit="2", hotline=HotlineFactory(number="0290.9999"), unit=UnitFactory())
    with pytest.raises(Exception, match="--hotline") as error:
        call_command("build_roster", "--line", "2", "--start", "2027-03-01", "--end", "2027-03-07")
    assert error.value.returncode == 2
    code, _, _ = run_command("--line", "2", "--hotline", "0290.1022", "--start", "2027-03-01", "--end", "2027-03-07")
    assert code == 0


def test_build_roster_as_a_real_command_line():
    # Exit codes as a shell sees them: run through manage.py's own entry point.
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "build_roster", "--line", "2", "--start", "2027-03-07", "--end", "2027-03-01"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "before" in result.stderr
