"""The fairness levels' search on sub-models (roster/solver/fair.py): a move re-solves a few
agents with the others' loads as constants, and what it gains is what the whole roster gains."""

import time

from roster.solver import check, fair, parse_problem
from roster.solver import rules as R
from roster.solver.model import ComponentModel, _Incumbent
from tests.solver.conftest import agent, shift


def two_lines():
    """Two weeks of an 8-hour day shift on line 1 and one on line 2; c answers both lines, b
    has a 40-hour cap and e three days of leave; a would rather not work on the 8th."""
    shifts = [shift(f"one{d}", d, 7, 8, line="1") for d in range(7, 21)]
    shifts += [shift(f"two{d}", d, 15, 8, line="2") for d in range(7, 21)]
    return parse_problem(
        {
            "shifts": shifts,
            "agents": [
                agent("a", lines=["1"], requests=[{"date": "2026-12-08", "on": False, "weight": 1}]),
                agent("b", lines=["1"], max_hours_per_week=40),
                agent("c", lines=["1", "2"]),
                agent("d", lines=["2"]),
                agent("e", lines=["2"], days_off=["2026-12-14", "2026-12-15", "2026-12-16"]),
            ],
        }
    )


def lopsided(problem):
    """Every place filled, but a and d take whatever they can before the others."""
    order = {"a": 0, "d": 0, "c": 1, "b": 2, "e": 2}
    taken = []
    for s in problem.shifts:
        candidates = sorted((a for a in problem.agents if s.line in a.lines), key=lambda a: (order[a.id], a.id))
        for candidate in candidates:
            trial = [*taken, (s.id, candidate.id)]
            if not check(problem, trial, partial=True):
                taken = trial
                break
    return taken


def level(levels, name):
    index = [n for n, _, _ in levels].index(name)
    return index, levels[index][1]


def measured(component, levels, roster):
    """Each level's value on a roster of the whole part."""
    return {level[0]: fair._measured(component, set(roster), [level], 5.0)[1] for level in levels}


def test_a_moves_gain_is_what_the_whole_roster_gains():
    problem = two_lines()
    component = ComponentModel(problem, problem.shifts, problem.agents, set())
    levels = [level for level in component.levels(set(), gaps=False) if level[0] != "filled"]
    roster = set(lopsided(problem))
    index, _ = level(levels, "load_excess")
    above = [name for name, _, _ in levels[:index]]
    before = measured(component, levels, roster)
    assert before["load_excess"] > 0

    # a and b share line 1: their loads move, c's and the others' are constants of the move.
    gain, moved, _ = fair._solve_move(component, "load_excess", above, set(), roster, {"a", "b"}, None, 5.0)

    assert gain > 0
    after = measured(component, levels, moved)
    assert before["load_excess"] - after["load_excess"] == gain
    for name in above:
        assert after[name] <= before[name]
    assert check(problem, sorted(moved)) == []
    # Every shift keeps its agents: the move only swapped them between a and b.
    assert sorted(s for s, _ in moved) == sorted(s for s, _ in roster)
    assert {p for p in moved if p[1] not in {"a", "b"}} == {p for p in roster if p[1] not in {"a", "b"}}


def test_the_search_brings_every_line_within_one_shift_and_keeps_the_wish():
    problem = two_lines()
    component = ComponentModel(problem, problem.shifts, problem.agents, set())
    levels = [level for level in component.levels(set(), gaps=False) if level[0] != "filled"]
    roster = set(lopsided(problem))
    before = measured(component, levels, roster)
    index, _ = level(levels, "load_excess")
    solution, value = fair._measured(component, roster, levels[: index + 1], 5.0)
    best = _Incumbent(solution, value, 0)

    fair.search(component, levels, index, set(), best, time.monotonic() + 4, workers=2)

    chosen = sorted(pair for pair, var in component.x.items() if best.solution[var.Index()])
    assert check(problem, chosen) == []
    assert best.value == 0
    for spread in R.load_spreads(problem, chosen):
        assert all(value <= spread["floor"] + 1e-9 for value in spread["spread"].values()), spread
    after = measured(component, levels, chosen)
    assert after["requests"] <= before["requests"]
    assert after["fairness_excess"] <= before["fairness_excess"]
