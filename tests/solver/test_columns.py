"""Column generation for weighted problems (roster/solver/columns.py): the master's bound is a
true lower bound, and the roster built on the pairs it is sure of keeps every rule, fixed
assignment and ceiling."""

import math
import time
from pathlib import Path

from ortools.sat.python import cp_model

from roster.solver import check, parse_problem, solve
from roster.solver import rules as R
from roster.solver.columns import Columns
from roster.solver.curtois import read_curtois
from roster.solver.model import ComponentModel
from roster.solver.weighted import relaxation_fixed

from .conftest import agent, shift

ROOT = Path(__file__).resolve().parents[2]
RELAXED = {"min_rest_hours": 0, "max_hours_per_week": 168, "weekly_rest_hours": 0, "max_consecutive_nights": 14}


def whole(problem):
    return ComponentModel(problem, problem.shifts, problem.agents, set(problem.fixed))


def generated(problem, seconds=20):
    master = Columns(whole(problem), time.monotonic() + seconds)
    master.generate(time.monotonic() + seconds, workers=2)
    return master


def near_the_relaxation(problem, master):
    return relaxation_fixed(whole(problem), master.pair_shares(), time.monotonic() + 10, workers=2)


def test_instance_2s_master_proves_its_optimum_828():
    # The whole model's relaxation proves 219 here; the master's bound is the optimum itself,
    # so a roster of 828 is known to be the best there is.
    problem = read_curtois((ROOT / "bench" / "curtois" / "Instance2.txt").read_text())
    master = generated(problem)
    assert master.converged
    assert math.ceil(master.bound - 1e-4) == 828
    roster = near_the_relaxation(problem, master)
    assert check(problem, roster) == []
    assert R.penalty(problem, roster)["total"] >= 828


def small_weighted_problem():
    """Two weeks of a day shift D and an evening shift E, three agents who may work three days
    in a row, a ceiling of two on the days, requests, and one fixed assignment."""
    shifts = []
    for day in range(7, 21):
        shifts.append({**shift(f"D{day}", day, 8, 6), "type": "D", "max": 2, "under_weight": 10, "over_weight": 1})
        shifts.append({**shift(f"E{day}", day, 14, 6), "type": "E", "under_weight": 10})
    return parse_problem(
        {
            "time_limit_s": 10,
            "shifts": shifts,
            "agents": [
                agent("a", requests=[{"date": "2026-12-08", "on": False, "weight": 4}]),
                agent("b", requests=[{"date": "2026-12-09", "type": "E", "on": True, "weight": 3}]),
                agent("c", rules={"max_shifts_per_type": {"E": 3}}),
            ],
            "rules": {**RELAXED, "max_consecutive_days": 3, "max_shifts_per_day": 1},
            "fixed": [{"shift": "D8", "agent": "a"}],
        }
    )


def optimum(problem):
    component = whole(problem)
    component.model.Minimize(component.penalty)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 30
    assert solver.Solve(component.model) == cp_model.OPTIMAL
    return round(solver.ObjectiveValue())


def test_the_masters_bound_and_sure_pairs_keep_the_rules_the_fixed_and_the_ceilings():
    problem = small_weighted_problem()
    best = optimum(problem)
    master = generated(problem)
    assert master.converged
    assert math.ceil(master.bound - 1e-4) <= best
    roster = near_the_relaxation(problem, master)
    assert check(problem, roster) == []
    assert ("D8", "a") in roster
    assert max(sum(1 for s, _ in roster if s == f"D{day}") for day in range(7, 21)) <= 2
    assert R.penalty(problem, roster)["total"] >= best
    # The engine as a caller sees it: the optimum, proven.
    solution = solve(problem, workers=2)
    assert check(problem, solution.assignments) == []
    assert solution.stats["penalty"] == best
    assert solution.stats["penalty_bound"] <= best


def test_the_master_gives_no_answer_past_its_time():
    # GLOP keeps no time of its own: the master is asked with the search's limit.
    problem = small_weighted_problem()
    master = generated(problem)
    assert master.solve_master(time.monotonic() - 1) is None
    assert master.pair_shares(time.monotonic() - 1) is None
    assert master.solve_master(time.monotonic() + 5).value >= 0
    assert master.pair_shares(time.monotonic() + 5)
