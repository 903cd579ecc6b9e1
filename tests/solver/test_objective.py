"""The objective's order: fill, keep the current roster, share fairly, grant wished days off."""

from bench.solver import make_instance
from roster.solver import clock, parse_problem, solve
from roster.solver import rules as R
from tests.solver.conftest import agent, at, pairs, shift


def two_weeks_round_the_clock(required=1):
    # Monday 7 to Sunday 20 December, 12-hour day and night shifts.
    return [shift(f"d{d}", d, 7, 12, required=required) for d in range(7, 21)] + [
        shift(f"n{d}", d, 19, 12, required=required) for d in range(7, 21)
    ]


def test_identical_agents_share_hours_nights_and_weekends_within_one_shift(roster):
    shifts = two_weeks_round_the_clock()
    result = roster({"shifts": shifts, "agents": [agent(a) for a in "abcd"], "time_limit_s": 10})
    assert result["stats"]["objective"] == 28
    problem = parse_problem({"shifts": shifts, "agents": [agent(a) for a in "abcd"]})
    hours, nights, weekends = dict.fromkeys("abcd", 0), dict.fromkeys("abcd", 0), dict.fromkeys("abcd", 0)
    for shift_id, agent_id in pairs(result):
        s = problem.shift_by_id[shift_id]
        hours[agent_id] += s.seconds / 3600
        nights[agent_id] += clock.is_night(s.start, s.end, problem.timezone)
        weekends[agent_id] += R.is_weekend(s, problem)
    assert max(hours.values()) - min(hours.values()) <= 12
    assert max(nights.values()) - min(nights.values()) <= 1
    assert max(weekends.values()) - min(weekends.values()) <= 1


def test_holidays_count_as_weekend_shifts(roster):
    problem = parse_problem({"shifts": [shift("s", 1, 7, 8)], "agents": [], "holidays": ["2026-12-01"]})
    assert R.is_weekend(problem.shifts[0], problem)


def test_filling_places_comes_before_keeping_the_current_roster(roster):
    # a is on s1 in the current roster, but only a answers line 1's s2 at the same time.
    shifts = [shift("s1", 1, 7, 8, line="2"), shift("s2", 1, 7, 8, line="1")]
    agents = [agent("a", ["1", "2"]), agent("b", ["2"])]
    result = roster({"shifts": shifts, "agents": agents, "current": [{"shift": "s1", "agent": "a"}]})
    assert pairs(result) == {("s1", "b"), ("s2", "a")}


def test_rebuilding_an_unchanged_roster_changes_nothing(roster):
    data = {"shifts": two_weeks_round_the_clock(), "agents": [agent(a) for a in "abcde"]}
    first = roster(data)
    again = roster({**data, "current": first["assignments"]})
    assert again["assignments"] == first["assignments"]
    assert again["stats"]["changed"] == 0


def test_replanning_after_sick_leave_changes_only_the_sick_agents_shifts(roster):
    data = {"shifts": two_weeks_round_the_clock(), "agents": [agent(a) for a in "abcde"]}
    first = roster(data)
    sick = next(a["agent"] for a in first["assignments"] if a["shift"] == "d10")
    agents = [agent(a, unavailable=[{"start": at(10, 0), "end": at(11, 0)}] if a == sick else []) for a in "abcde"]
    replanned = roster({**data, "agents": agents, "current": first["assignments"]})
    before, after = pairs(first), pairs(replanned)
    lost = before - after
    assert all(agent_id == sick for _, agent_id in lost)
    assert replanned["stats"]["objective"] == 28
    assert replanned["stats"]["changed"] == len(lost)


def test_wished_days_off_are_granted_when_nothing_else_suffers(roster):
    shifts = [shift("s1", 1, 7, 8), shift("s2", 2, 7, 8)]
    agents = [agent("a", days_off_wished=["2026-12-01"]), agent("b", days_off_wished=["2026-12-02"])]
    result = roster({"shifts": shifts, "agents": agents})
    assert pairs(result) == {("s1", "b"), ("s2", "a")}


def test_the_solution_reports_filled_places_and_their_proven_bound(roster):
    shifts = [shift("day", 1, 7, 8), shift("night", 1, 23, 8)]
    result = roster({"shifts": shifts, "agents": [agent("a")]})
    assert result["status"] == "OPTIMAL"
    assert result["stats"]["objective"] == 1
    assert result["stats"]["best_bound"] == 1
    assert result["unfilled"] == [
        {"shift": result["unfilled"][0]["shift"], "missing": 1, "reason": result["unfilled"][0]["reason"]}
    ]


def test_assignments_come_sorted_by_shift_start_then_ids(roster):
    shifts = [shift("z", 1, 7, 8, required=2), shift("a", 2, 7, 8, required=2)]
    result = roster({"shifts": shifts, "agents": [agent("y"), agent("x")]})
    assert [(a["shift"], a["agent"]) for a in result["assignments"]] == [("z", "x"), ("z", "y"), ("a", "x"), ("a", "y")]


def test_unavailable_reason_names_leave(roster):
    leave = [{"start": at(1, 0), "end": at(2, 0)}]
    result = roster(
        {"shifts": [shift("s1", 1, 7, 8)], "agents": [agent("a", unavailable=leave), agent("b", unavailable=leave)]}
    )
    assert result["unfilled"][0]["reason"] == "2 agents qualified for line 2: both on leave or unavailable"


def test_two_workers_and_eight_workers_fill_the_same(roster):
    data = {"shifts": two_weeks_round_the_clock(), "agents": [agent(a) for a in "abcd"]}
    problem = parse_problem(data)
    assert solve(problem, workers=2).stats["objective"] == solve(problem, workers=8).stats["objective"] == 28


def test_a_tiny_time_limit_still_returns_a_roster_within_the_rules(roster):
    data = {"shifts": two_weeks_round_the_clock(), "agents": [agent(a) for a in "abcde"], "time_limit_s": 0.01}
    result = roster(data)
    assert result["status"] in {"OPTIMAL", "FEASIBLE"}
    assert result["stats"]["objective"] == len(result["assignments"]) > 0
    assert result["stats"]["best_bound"] >= result["stats"]["objective"]


def test_a_month_too_large_to_model_in_its_time_limit_still_gets_a_roster(roster):
    # The bench's 20-line month: 180 agents, building its model alone takes longer than the
    # limit. The greedy's roster (it keeps every rule here) comes back instead of nothing.
    _, data = make_instance("20 lines", [str(i) for i in range(1, 21)], 9, seed=2)
    result = roster({**data, "time_limit_s": 0.01})
    assert result["status"] == "FEASIBLE"
    assert result["stats"]["objective"] == len(result["assignments"]) > 0.9 * result["stats"]["required"]
    assert result["stats"]["best_bound"] >= result["stats"]["objective"]
