"""When places must stay empty the director is told the roster is as full as any can be: the
pattern model's bound (roster/solver/bound.py) is never below a roster that keeps the rules,
and it proves fills the roster model's own relaxation cannot."""

import time

import pytest
from ortools.sat.python import cp_model

from bench.solver import make_instance
from roster.solver import check, parse_problem, solve
from roster.solver.bound import fill_bound
from roster.solver.model import ComponentModel
from tests.solver.conftest import agent, at, shift


def component_of(problem):
    return ComponentModel(problem, problem.shifts, problem.agents, set())


def best_fill(problem):
    component = component_of(problem)
    component.model.Maximize(component.filled)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 20
    assert solver.Solve(component.model) == cp_model.OPTIMAL
    return round(solver.ObjectiveValue())


@pytest.mark.parametrize(
    ("lines", "agents_per_line", "days", "seed"),
    [(["1", "2"], 2, 8, 1), (["1", "2"], 2, 10, 4), (["1", "2", "3"], 2, 9, 7)],
)
def test_the_bound_is_never_below_the_fullest_roster(lines, agents_per_line, days, seed):
    # Short-staffed months of the bench's kind (12- and 8-hour lines, 40- and 48-hour caps,
    # leave, agents of two lines), small enough for CP-SAT to prove their fullest roster.
    _, data = make_instance("small", lines, agents_per_line, days=days, seed=seed)
    problem = parse_problem(data)
    found = fill_bound(component_of(problem), time.monotonic() + 20, workers=1)
    assert found is not None
    assert found.bound >= best_fill(problem)
    assert found.bound < sum(s.required for s in problem.shifts)


def test_an_agents_week_is_whole():
    # One 40-hour agent, a 12-hour shift each day for two weeks (7 to 20 December): three
    # shifts a week, six in all. Counted in hours the weeks would hold 3⅓ shifts each.
    shifts = [shift(f"d{day}", day, 7, 12) for day in range(7, 21)]
    problem = parse_problem({"shifts": shifts, "agents": [agent("a", max_hours_per_week=40)]})
    found = fill_bound(component_of(problem), time.monotonic() + 10, workers=1)
    assert found.bound == 6
    assert sum(count for _, _, count in found.counts) <= 7


@pytest.mark.parametrize(
    ("history_nights", "bound"),
    [((), 4), ((4, 5, 6), 3)],
)
def test_an_agents_week_keeps_the_run_of_nights(history_nights, bound):
    # One 48-hour agent and a night shift on 7 to 11 December (a Monday to a Friday): five
    # nights fit the hours, but at most three in a row. With nights of history on the 4th to
    # the 6th the 7th would make a fourth.
    shifts = [shift(f"n{day}", day, 22, 8) for day in range(7, 12)]
    history = [{"agent": "a", "start": at(day, 22), "end": at(day + 1, 6)} for day in history_nights]
    problem = parse_problem({"shifts": shifts, "agents": [agent("a", max_hours_per_week=48)], "history": history})
    found = fill_bound(component_of(problem), time.monotonic() + 10, workers=1)
    assert found.bound == bound


def test_an_agents_week_keeps_its_weekly_rest():
    # Seven 8-hour day shifts on 7 to 13 December for a 56-hour agent: rest between them is
    # 16 h, never the 24 h the week needs, so one day stays free. (Shifts of another line
    # before and after put the whole week inside the problem, where rule 5 applies.)
    shifts = [shift(f"d{day}", day, 7, 8) for day in range(7, 14)]
    shifts += [shift("before", 6, 7, 8, line="9"), shift("after", 14, 7, 8, line="9")]
    problem = parse_problem({"shifts": shifts, "agents": [agent("a", max_hours_per_week=56)]})
    found = fill_bound(component_of(problem), time.monotonic() + 10, workers=1)
    assert found.bound == 6


def test_a_short_staffed_roster_is_proven_as_full_as_it_can_be():
    _, data = make_instance("short", ["1", "2"], 2, days=10, seed=4)
    data["time_limit_s"] = 8
    problem = parse_problem(data)
    solution = solve(problem, workers=2)
    required = sum(s.required for s in problem.shifts)
    assert solution.stats["objective"] == solution.stats["best_bound"] < required
    assert check(problem, solution.assignments) == []
    assert sum(u.missing for u in solution.unfilled) == required - solution.stats["objective"]


def test_fixed_assignments_count_in_the_bound():
    # a (40 hours a week, lines 1 and 2) is held to the 12-hour shift on line 1 that b could
    # have taken: a then has room for three of the five 8-hour shifts on line 2, so four
    # places, not the six a free choice would fill.
    shifts = [shift("x", 7, 7, 12, line="1")] + [shift(f"e{day}", day, 8, 8) for day in range(8, 13)]
    agents = [agent("a", lines=["1", "2"], max_hours_per_week=40), agent("b", lines=["1"], max_hours_per_week=40)]
    problem = parse_problem({"shifts": shifts, "agents": agents, "fixed": [{"shift": "x", "agent": "a"}]})
    found = fill_bound(ComponentModel(problem, problem.shifts, problem.agents, {("x", "a")}), time.monotonic() + 10, 1)
    assert found.bound == 4
    free = parse_problem({"shifts": shifts, "agents": agents})
    assert fill_bound(component_of(free), time.monotonic() + 10, workers=1).bound == 6
