"""Independent parts of a problem (lines no agent shares) are solved side by side, level by
level (model.solve_parts); a fairness level that ran out of time in one part is taken up again
with the time the others left."""

import time

from bench.solver import make_instance
from roster.solver import check, independent_parts, parse_problem, solve
from roster.solver import rules as R
from roster.solver.greedy import greedy
from roster.solver.model import ComponentModel, PartSolve


def over_floor(problem, pairs):
    """The widest pro-rated spread above its group's floor, over every line and measure."""
    return max(
        (max(0, group["spread"][m] - group["floor"]) for group in R.load_spreads(problem, pairs) for m in R.MEASURES),
        default=0,
    )


def test_a_fairness_level_cut_short_is_taken_up_again_from_the_roster_it_left():
    _, data = make_instance("two lines", ["1", "2"], 6, days=14, seed=3)
    problem = parse_problem(data)
    [(shifts, agents)] = independent_parts(problem)
    part = PartSolve(ComponentModel(problem, shifts, agents, set()), set(), set(), time.monotonic() + 5, 2)
    while part.next_level != "load_excess":
        part.solve_level(5)
    assert part.values["fairness_excess"] == 0

    # No time for its search: the level keeps the start's excess, and asks for more time.
    part.solve_level(0.01)
    assert part.values["load_excess"] > 0
    assert part.again
    _, pairs, _ = part.result()
    assert over_floor(problem, pairs) > 0

    # Taken up again while it gains, as solve_parts does: on a busy machine (CI) one go of
    # 20 s once ended just short (63, from 14,973).
    until = time.monotonic() + 60
    part.solve_again(20)
    while part.again and time.monotonic() < until:
        part.solve_again(10)
    _, pairs, _ = part.result()
    assert part.values["load_excess"] == 0
    assert not part.again
    assert check(problem, pairs) == []
    assert len(pairs) == sum(s.required for s in problem.shifts)  # still every place filled
    assert over_floor(problem, pairs) == 0
    while part.next_level is not None:
        part.solve_level(1)
    assert part.result()[1] is not None


def test_a_problem_of_two_parts_is_filled_fairly_in_both():
    # Two units of two lines each: no agent of one answers a line of the other.
    _, data = make_instance("unit one", ["1", "2"], 6, days=14, seed=3, time_limit=10)
    _, other = make_instance("unit two", ["3", "4"], 6, days=14, seed=4)
    data = {**data, "shifts": data["shifts"] + other["shifts"], "agents": data["agents"] + other["agents"]}
    problem = parse_problem(data)
    assert len(independent_parts(problem)) == 2

    solution = solve(problem, workers=2)
    assert solution.stats["components"] == 2
    assert solution.unfilled == []
    assert check(problem, solution.assignments) == []
    # At its floor in 10 s on this machine; the bar here leaves room for a loaded CI runner.
    assert over_floor(problem, solution.assignments) < over_floor(problem, greedy(problem)) / 2
    assert solution.stats["wall_s"] <= problem.time_limit_s
