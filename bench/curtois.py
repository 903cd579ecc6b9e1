"""
The roster engine on the Curtois & Qu Employee Shift Scheduling Benchmark (bench/curtois/).

    python bench/curtois.py [--instances 1 2 3] [--time-limit 60] [--workers 2] [--runs 3]

For each instance it prints the penalty of the engine's roster (the benchmark's objective,
recomputed by rules.penalty from the assignments), the best known value (bench/curtois/
README.md), the gap to it, CP-SAT's proven lower bound, the wall time, and the number of
violations the independent checker `check` finds (never trusting the model). The search is
timed, so two runs of an instance may differ: with --runs N each instance runs N times and a
last line gives the median gap and the range.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roster.solver import check, solve
from roster.solver import rules as R
from roster.solver.curtois import read_curtois

HERE = Path(__file__).resolve().parent / "curtois"


def best_known() -> dict:
    """{instance: (days, staff, shift types, best known)} from the README's table."""
    table = {}
    for line in (HERE / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if match:
            number, *values = (int(v) for v in match.groups())
            table[number] = tuple(values)
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, nargs="+", default=list(range(1, 13)))
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2, one a core here)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each instance (default 1)")
    args = parser.parse_args()

    known = best_known()
    print(f"time limit {args.time_limit:g} s, {args.workers} workers")
    print(
        f"{'instance':>8} {'days':>4} {'staff':>5} {'types':>5} {'penalty':>8} {'best':>6} {'gap %':>7} "
        f"{'bound':>6} {'status':>9} {'wall s':>7} {'viol':>4}"
    )
    for number in args.instances:
        text = (HERE / f"Instance{number}.txt").read_text(encoding="utf-8")
        problem = read_curtois(text, time_limit_s=args.time_limit)
        days, staff, types, _ = known[number]
        counts = (len(problem.dates), len(problem.agents), len({s.type for s in problem.shifts}))
        if counts != (days, staff, types):
            print(
                f"instance {number}: the file has {counts} days, staff, types; the README says {(days, staff, types)}"
            )
        gaps = []
        for _ in range(args.runs):
            gaps.append(run(problem, number, known[number], args.workers))
        if args.runs > 1:
            print(
                f"{number:>8} median gap {statistics.median(gaps):.2f} % over {args.runs} runs"
                f" ({min(gaps):.2f}–{max(gaps):.2f})",
                flush=True,
            )


def run(problem, number, known, workers) -> float:
    """Solve once, print the row, return the gap in %."""
    days, staff, types, best = known
    started = time.monotonic()
    solution = solve(problem, workers=workers)
    wall = time.monotonic() - started
    violations = check(problem, solution.assignments)
    value = R.penalty(problem, solution.assignments)["total"]
    assert value == solution.stats["penalty"], "the engine's penalty differs from the checker's"
    gap = 100 * (value - best) / best
    print(
        f"{number:>8} {days:>4} {staff:>5} {types:>5} {value:>8} {best:>6} {gap:>7.2f} "
        f"{solution.stats['penalty_bound']:>6} {solution.status:>9} {wall:>7.1f} {len(violations):>4}",
        flush=True,
    )
    for v in violations[:5]:
        print(f"         {v}")
    return gap


if __name__ == "__main__":
    main()
