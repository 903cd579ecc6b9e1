"""Fairness v2: the pro-rated load of everyone sharing a line, and the balance of earlier periods."""

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from roster.solver import ProblemError, check, clock, parse_problem, solve
from roster.solver import rules as R
from tests.solver.conftest import agent, at, pairs, shift

ROOT = Path(__file__).resolve().parents[2]


def two_weeks_of_days():
    # Monday 7 to Sunday 20 December: 07:00 and 15:00, eight hours each.
    return [shift(f"e{d}", d, 7, 8) for d in range(7, 21)] + [shift(f"l{d}", d, 15, 8) for d in range(7, 21)]


def hours_of(problem, result):
    hours = defaultdict(float)
    for shift_id, agent_id in pairs(result):
        hours[agent_id] += problem.shift_by_id[shift_id].seconds / 3600
    return hours


def test_capacity_is_the_weekly_cap_pro_rated_over_the_available_time():
    leave = [{"start": at(10, 0), "end": at(11, 0)}]
    problem = parse_problem(
        {
            "shifts": two_weeks_of_days(),
            "agents": [
                agent("a", max_hours_per_week=48),
                agent("b", max_hours_per_week=40),
                agent("c", max_hours_per_week=48, unavailable=leave, days_off=["2026-12-10", "2026-12-11"]),
            ],
            "balance": [{"agent": "a", "hours": 30, "available_hours": 84}],
        }
    )
    a, b, c = problem.agents
    assert R.available_seconds(problem, b) == 14 * 24 * 3600
    assert R.available_seconds(problem, c) == 12 * 24 * 3600  # the leave and a day off overlap on the 10th
    assert R.capacity_seconds(problem, b) == 80 * 3600
    assert R.capacity_seconds(problem, c) == 48 * 3600 * 12 * 24 * 3600 // (7 * 24 * 3600)
    assert R.capacity_seconds(problem, a) == (96 + 24) * 3600  # 84 past hours available at 48 h a week


def test_different_caps_and_a_day_of_leave_share_the_line_within_one_shift(roster):
    leave = [{"start": at(10, 0), "end": at(11, 0)}]
    data = {
        "shifts": two_weeks_of_days(),
        "agents": [
            agent("a", max_hours_per_week=48),
            agent("b", max_hours_per_week=40),
            agent("c", max_hours_per_week=48, unavailable=leave),
        ],
        "time_limit_s": 4,
    }
    result = roster(data)
    assert result["stats"]["objective"] == 28
    problem = parse_problem(data)
    (group,) = R.load_spreads(problem, pairs(result))
    # One 8-hour shift against the smallest capacity (b: 80 hours) is 10 percentage points.
    assert group["floor"] == pytest.approx(0.1)
    assert group["spread"]["hours"] <= group["floor"] + 1e-9
    assert group["spread"]["weekends"] <= group["floor"] + 1e-9
    # Hours alone, not pro-rated, would be split evenly; pro-rated, b (the smallest cap) works least.
    hours = hours_of(problem, result)
    assert hours["b"] < hours["a"]


def test_who_worked_more_last_period_gets_fewer_hours_now(roster):
    data = {
        "shifts": [shift(f"e{d}", d, 7, 8) for d in range(7, 21)],
        "agents": [agent("a"), agent("b")],
        "balance": [
            {"agent": "a", "hours": 100, "available_hours": 200, "nights": 3, "weekends": 2},
            {"agent": "b", "hours": 40, "available_hours": 200},
        ],
        "time_limit_s": 4,
    }
    result = roster(data)
    problem = parse_problem(data)
    hours = hours_of(problem, result)
    assert result["stats"]["objective"] == 14
    assert hours["a"] + 8 * 4 <= hours["b"]
    (group,) = R.load_spreads(problem, pairs(result))
    assert group["spread"]["hours"] <= group["floor"] + 1e-9


def test_the_peer_promise_holds_beside_agents_who_are_not_peers(roster):
    shifts = [shift(f"d{d}", d, 7, 12) for d in range(7, 21)] + [shift(f"n{d}", d, 19, 12) for d in range(7, 21)]
    leave = [{"start": at(12, 0), "end": at(14, 0)}]
    agents = [agent(a) for a in "abc"] + [agent("d", max_hours_per_week=40, unavailable=leave)]
    data = {"shifts": shifts, "agents": agents, "time_limit_s": 5}
    result = roster(data)
    assert result["stats"]["objective"] == 28
    problem = parse_problem(data)
    totals = {a: [0, 0, 0] for a in "abc"}
    for shift_id, agent_id in pairs(result):
        if agent_id in totals:
            s = problem.shift_by_id[shift_id]
            totals[agent_id][0] += s.seconds / 3600
            totals[agent_id][1] += clock.is_night(s.start, s.end, problem.timezone)
            totals[agent_id][2] += R.is_weekend(s, problem)
    for i, bound in enumerate((12, 1, 1)):
        values = [t[i] for t in totals.values()]
        assert max(values) - min(values) <= bound


def test_a_weighted_problem_with_a_balance_still_minimises_its_penalty():
    data = {
        "shifts": [{**shift("s1", 1, 7, 8), "under_weight": 100}],
        "agents": [agent("a"), agent("b", requests=[{"date": "2026-12-01", "on": False, "weight": 5}])],
        "balance": [{"agent": "a", "hours": 500, "available_hours": 600}],
        "time_limit_s": 2,
    }
    problem = parse_problem(data)
    solution = solve(problem, workers=1)
    assert solution.assignments == [("s1", "a")]
    assert solution.stats["penalty"] == 0


def test_check_accepts_a_problem_with_a_balance():
    problem = parse_problem(
        {
            "shifts": [shift("s1", 1, 7, 8)],
            "agents": [agent("a")],
            "balance": [{"agent": "a", "hours": 8, "available_hours": 40, "tet": 2}],
        }
    )
    assert problem.balance_by_agent["a"].tet == 2
    assert check(problem, [("s1", "a")]) == []


@pytest.mark.parametrize(
    ("balance", "message"),
    [
        ({"agent": "a"}, "'balance' must be a list"),
        (["a"], "balance[0] must be an object"),
        ([{"hours": 8}], "balance[0].agent must be a non-empty string"),
        ([{"agent": "z"}], "balance[0]: unknown agent 'z'"),
        ([{"agent": "a"}, {"agent": "a"}], "balance[1]: agent a has two balance entries"),
        ([{"agent": "a", "hours": -1, "available_hours": 10}], "balance[0].hours must not be negative"),
        ([{"agent": "a", "hours": "8"}], "balance[0].hours must be a number"),
        ([{"agent": "a", "nights": 1.5}], "balance[0].nights must be a whole number, 0 or more"),
        ([{"agent": "a", "tet": -1}], "balance[0].tet must be a whole number, 0 or more"),
        ([{"agent": "a", "hours": 8}], "balance[0]: hours worked but no available_hours"),
    ],
)
def test_malformed_balance_entries_are_rejected(balance, message):
    data = {"shifts": [shift("s1", 1, 7, 8)], "agents": [agent("a")], "balance": balance}
    with pytest.raises(ProblemError) as error:
        parse_problem(data)
    assert str(error.value) == message


def run_cli(tmp_path, problem):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "roster.solver", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_the_command_line_takes_a_balance_and_exits_2_on_a_malformed_one(tmp_path):
    problem = {
        "shifts": [shift("s1", 1, 7, 8)],
        "agents": [agent("a"), agent("b")],
        "balance": [{"agent": "a", "hours": 160, "available_hours": 168, "nights": 4}],
        "time_limit_s": 2,
    }
    result = run_cli(tmp_path, problem)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["assignments"] == [{"shift": "s1", "agent": "b"}]
    result = run_cli(tmp_path, {**problem, "balance": [{"agent": "a", "nights": -2}]})
    assert result.returncode == 2
    assert result.stderr.strip() == "balance[0].nights must be a whole number, 0 or more"


def test_who_worked_last_tet_works_less_this_tet(roster):
    # Four days, one 8-hour shift each; the 8th and 9th are Tết. Agent a worked two Tết
    # shifts last year, b none; the same hours and available time before.
    data = {
        "shifts": [shift(f"e{d}", d, 7, 8) for d in range(7, 11)],
        "agents": [agent("a"), agent("b")],
        "tet": ["2026-12-08", "2026-12-09"],
        "balance": [
            {"agent": "a", "hours": 40, "available_hours": 200, "tet": 2},
            {"agent": "b", "hours": 40, "available_hours": 200},
        ],
        "time_limit_s": 2,
    }
    result = roster(data)
    problem = parse_problem(data)
    assert pairs(result) >= {("e8", "b"), ("e9", "b")}
    (group,) = R.load_spreads(problem, pairs(result))
    assert group["spread"]["tet"] == 0


def test_tet_dates_are_counted_apart_from_holidays():
    problem = parse_problem({"shifts": [shift("s", 8, 7, 8)], "agents": [], "tet": ["2026-12-08"]})
    assert R.counted(problem.shifts[0], problem) == (8 * 3600, 0, 0, 0, 1)
    with pytest.raises(ProblemError, match=r"tet\[0\]"):
        parse_problem({"shifts": [], "agents": [], "tet": ["8/12/2026"]})
