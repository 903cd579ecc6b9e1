"""
The pattern model's fill bound (roster/solver/bound.py) against CP-SAT's proven optimum on
small random short-staffed months: the bound must never be below the optimum.

    python bench/fill_bound.py [--instances 30]

For each seed: lines, agents a line, days, the rest rules drawn, CP-SAT's status, its best
fill and bound, and the pattern model's bound; "below" marks a bound under a proven optimum
(a bug). The last line counts them and how often the bound equals the optimum.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ortools.sat.python import cp_model

from bench.solver import make_instance
from roster.solver import parse_problem
from roster.solver.bound import fill_bound
from roster.solver.model import ComponentModel


def component_of(problem):
    return ComponentModel(problem, problem.shifts, problem.agents, set())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=30)
    args = parser.parse_args()
    below = equal = proven = 0
    print(
        f"{'seed':>4} {'lines':>5} {'agents':>6} {'days':>4} {'rest':>4} {'wk rest':>7} {'nights':>6}"
        f" {'status':>9} {'best':>5} {'bound':>5} {'pattern':>7}"
    )
    for seed in range(args.instances):
        rnd = random.Random(seed)
        lines = [str(i) for i in range(1, rnd.choice([2, 3, 4]) + 1)]
        per_line, days = rnd.choice([1, 2, 3]), rnd.choice([6, 8, 10, 13])
        _, data = make_instance("check", lines, per_line, days=days, seed=seed)
        data["rules"] = {
            "min_rest_hours": rnd.choice([8, 11, 12, 16]),
            "weekly_rest_hours": rnd.choice([0, 24, 36]),
            "max_consecutive_nights": rnd.choice([1, 2, 3]),
        }
        problem = parse_problem(data)
        exact = component_of(problem)
        exact.model.Maximize(exact.filled)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 2
        solver.parameters.max_time_in_seconds = 30
        status = solver.Solve(exact.model)
        found = fill_bound(component_of(problem), time.monotonic() + 20, 2)
        pattern = None if found is None else found.bound
        if status == cp_model.OPTIMAL and pattern is not None:
            proven += 1
            below += pattern < solver.ObjectiveValue()
            equal += pattern == solver.ObjectiveValue()
        rules = data["rules"]
        print(
            f"{seed:>4} {len(lines):>5} {per_line:>6} {days:>4} {rules['min_rest_hours']:>4}"
            f" {rules['weekly_rest_hours']:>7} {rules['max_consecutive_nights']:>6} {solver.StatusName(status):>9}"
            f" {solver.ObjectiveValue():>5.0f} {solver.BestObjectiveBound():>5.0f} {pattern!s:>7}"
            + (
                "  below"
                if status == cp_model.OPTIMAL and pattern is not None and pattern < solver.ObjectiveValue()
                else ""
            )
        )
    print(f"{proven} proven optima: the pattern bound below {below}, equal to {equal}")


if __name__ == "__main__":
    main()
