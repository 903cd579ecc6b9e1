"""Places that stay empty are spread out: no line is left short for long."""

from roster.solver import parse_problem
from roster.solver import rules as R
from tests.solver.conftest import agent, pairs, shift


def three_days_two_agents():
    # Monday 7 to Wednesday 9 December, day and night 12-hour shifts: six places, and two agents
    # who may each work 24 hours a week fill four of them. b wishes Tuesday off.
    shifts = []
    for day in (7, 8, 9):
        shifts += [shift(f"d{day}", day, 7, 12), shift(f"n{day}", day, 19, 12)]
    agents = [agent("a", max_hours_per_week=24), agent("b", max_hours_per_week=24, days_off_wished=["2026-12-08"])]
    return {"shifts": shifts, "agents": agents}


def test_two_gaps_of_twelve_hours_rather_than_one_of_twenty_four(roster):
    # The engine before the gaps level left d8 and n8 empty here (Tuesday wholly uncovered, which
    # also grants b's wish); now the two empty places are apart, whatever the wishes say.
    data = three_days_two_agents()
    result = roster(data, workers=1)
    assert result["stats"]["objective"] == 4
    gaps = R.gaps(parse_problem(data), pairs(result))
    assert gaps == {"short": 2, "adjacent_hours": 0, "longest_hours": 12}


def test_keeping_the_current_roster_comes_before_spreading_the_gaps(roster):
    data = three_days_two_agents()
    current = [("d7", "b"), ("n7", "a"), ("d9", "a"), ("n9", "b")]
    data["current"] = [{"shift": s, "agent": a} for s, a in current]
    result = roster(data, workers=1)
    assert pairs(result) == set(current)
    assert R.gaps(parse_problem(data), current)["longest_hours"] == 24


def test_gaps_measure_runs_per_line():
    shifts = [shift("a", 7, 6, 8), shift("b", 7, 14, 8), shift("c", 7, 22, 8), shift("x", 7, 6, 8, line="1")]
    problem = parse_problem({"shifts": shifts, "agents": []})
    assert R.gaps(problem, []) == {"short": 4, "adjacent_hours": 32, "longest_hours": 24}
    assert R.gaps(problem, [("b", "someone")]) == {"short": 3, "adjacent_hours": 0, "longest_hours": 8}
