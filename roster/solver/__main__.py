"""python -m roster.solver PROBLEM.json [--workers N]: prints the solution as JSON (CONTRACT §4)."""

import argparse
import json
import sys

from roster.solver import DEFAULT_WORKERS, ProblemError, load_problem, solve


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roster.solver", description="Solve a roster problem.")
    parser.add_argument("problem", help="the problem as JSON; - reads standard input")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="CP-SAT search workers")
    args = parser.parse_args(argv)
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
        problem = load_problem(text)
        solution = solve(problem, workers=max(1, args.workers))
    except ProblemError as e:
        print(str(e).replace("\n", " "), file=sys.stderr)
        return 2
    json.dump(solution.to_dict(problem), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if solution.status == "UNKNOWN" else 0


if __name__ == "__main__":
    sys.exit(main())
