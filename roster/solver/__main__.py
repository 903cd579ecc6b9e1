"""python -m roster.solver PROBLEM.json [--workers N]: prints the solution as JSON (docs/reference.md §4).

    python -m roster.solver --format curtois INSTANCE.txt [--time-limit S]

reads a Curtois & Qu benchmark instance instead (roster/solver/curtois.py); the solution's
stats then carry the benchmark's objective (`penalty`) and its proven lower bound.
"""

import argparse
import json
import sys

from roster.solver import DEFAULT_WORKERS, ProblemError, load_problem, solve
from roster.solver.curtois import read_curtois

CURTOIS_TIME_LIMIT_S = 10.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roster.solver", description="Solve a roster problem.")
    parser.add_argument("problem", help="the problem as JSON (or a benchmark instance); - reads standard input")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="CP-SAT search workers")
    parser.add_argument(
        "--format", choices=("json", "curtois"), default="json", help="json (default) or a Curtois & Qu instance"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help=f"seconds (default: the problem's time_limit_s; {CURTOIS_TIME_LIMIT_S:g} for a Curtois instance)",
    )
    args = parser.parse_args(argv)
    if args.time_limit is not None and args.time_limit <= 0:
        print("--time-limit must be positive", file=sys.stderr)
        return 2
    try:
        if args.problem == "-":
            text = sys.stdin.read()
        else:
            with open(args.problem, encoding="utf-8") as file:
                text = file.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"cannot read {args.problem}: {e}", file=sys.stderr)
        return 2
    try:
        if args.format == "curtois":
            problem = read_curtois(text, args.time_limit or CURTOIS_TIME_LIMIT_S)
        else:
            problem = load_problem(text)
            if args.time_limit is not None:
                problem.time_limit_s = args.time_limit
        solution = solve(problem, workers=max(1, args.workers))
    except ProblemError as e:
        print(str(e).replace("\n", " "), file=sys.stderr)
        return 2
    json.dump(solution.to_dict(problem), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if solution.status == "UNKNOWN" else 0


if __name__ == "__main__":
    sys.exit(main())
