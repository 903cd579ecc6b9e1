"""Bands of load (roster/solver/bands.py): an allocation of whole shifts to agents that puts every
line at its floor, and how far a roster's loads lie outside it, the same in Python and in the
model."""

import time

from ortools.sat.python import cp_model

from roster.solver import bands, check, parse_problem
from roster.solver import rules as R
from roster.solver.model import ComponentModel, cp_solver
from tests.solver.conftest import agent, shift
from tests.solver.test_fair_search import lopsided, two_lines


def floors(problem):
    """Each line's floor in the model's units."""
    return {
        line: R.load_floor(R.line_weight_seconds(problem, line), [R.capacity_seconds(problem, a) for a in members])
        for line, members in R.load_groups(problem)
    }


def test_the_allocation_puts_every_line_at_its_floor_and_a_roster_in_its_bands_is_fair():
    problem = two_lines()
    component = ComponentModel(problem, problem.shifts, problem.agents, set())
    roster = set(lopsided(problem))

    allocation = bands.allocate(component, roster, time.monotonic() + 5)

    floor = floors(problem)
    members = {line: {a.id for a in group} for line, group in R.load_groups(problem)}
    # Every member of every line has a band for hours and weekends (the measures these day
    # shifts count in), each as wide as the line's floor: no line needs more.
    assert {measure for _, _, measure in allocation.bands} == {0, 2}
    for line in members:
        for measure in (0, 2):
            for agent_id in members[line]:
                lowest, highest = allocation.bands[agent_id, line, measure]
                assert highest - lowest == floor[line]
    # The lopsided roster is outside them, and the allocation names whom it changes.
    assert bands.distance(problem, allocation.bands, roster) > 0
    assert bands.outside_agents(problem, allocation.bands, roster) <= set(members["1"] | members["2"])
    assert allocation.changed

    # The model measures the same distance as Python on that roster.
    model = component.model.Clone()
    distance = bands.outside(model, problem, component.by_agent, allocation.bands)
    for pair, var in component.x.items():
        model.Add(var == int(pair in roster))
    model.Minimize(distance)
    solver = cp_solver(1, 5)
    assert solver.Solve(model) == cp_model.OPTIMAL
    assert solver.Value(distance) == bands.distance(problem, allocation.bands, roster)

    # A roster with every load in its band fills the same places and is within one shift on
    # every line.
    model = component.model.Clone()
    distance = bands.outside(model, problem, component.by_agent, allocation.bands)
    model.Add(component.filled == len(roster))
    model.Add(distance == 0)
    solver = cp_solver(2, 5)
    assert solver.Solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    fair = sorted(pair for pair, var in component.x.items() if solver.Value(var))
    assert len(fair) == len(roster)
    assert check(problem, fair) == []
    assert bands.distance(problem, allocation.bands, fair) == 0
    for spread in R.load_spreads(problem, fair):
        assert all(value <= spread["floor"] + 1e-9 for value in spread["spread"].values()), spread


def test_the_allocation_asks_no_agent_for_more_hours_than_their_rules_allow():
    """c may work 16 hours in the fortnight whatever their weekly cap: the line's band comes down
    to where c can be (a wider band, as no allocation has line 1 within its floor)."""
    shifts = [shift(f"one{d}", d, 7, 8, line="1") for d in range(7, 21)]
    problem = parse_problem(
        {
            "shifts": shifts,
            "agents": [
                agent("a", lines=["1"]),
                agent("b", lines=["1"]),
                agent("c", lines=["1"], rules={"max_hours": 16}),
            ],
        }
    )
    component = ComponentModel(problem, problem.shifts, problem.agents, set())
    # c works nothing yet: a and b share the fortnight.
    roster = {(s.id, "a" if i % 2 else "b") for i, s in enumerate(problem.shifts)}

    allocation = bands.allocate(component, roster, time.monotonic() + 5)

    most = round(16 * 3600 * R.LOAD_SCALE / R.capacity_seconds(problem, problem.agent_by_id["c"]))
    lowest, highest = allocation.bands["c", "1", 0]
    assert lowest <= most
    assert highest - lowest > floors(problem)["1"]


def test_no_allocation_without_a_line_shared_by_two_agents():
    problem = parse_problem({"shifts": [shift("s", 7, 7, 8)], "agents": [agent("a")]})
    component = ComponentModel(problem, problem.shifts, problem.agents, set())

    assert bands.allocate(component, {("s", "a")}, time.monotonic() + 5) is None
