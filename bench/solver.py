"""
Benchmark of the roster engine on generated instances, beside a simple greedy builder.

    python bench/solver.py [--workers 2 8] [--instances province big] [--time-limit S]

For each instance it prints filled/required, status, wall seconds, the proven bound,
the widest spread of hours, nights and weekend shifts among peers (the old measure), the
widest spread of the pro-rated load among the agents sharing a line (the new measure, in
percentage points of capacity: hours, nights, weekends, holidays; rules.load_spreads), the
largest floor (one shift of the line against the group's smallest capacity), how far the
widest spread is above its group's floor, and the number of rule violations found by the
independent checker (never by the CP-SAT model itself). When places stay empty, `gap h` is the
longest time a line stays short without a break and `adj h` the model's gaps measure (the
combined hours of adjacent short shifts; rules.gaps).
"""

import argparse
import datetime
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roster.solver import check, clock, parse_problem, solve
from roster.solver import rules as R
from roster.solver.greedy import greedy

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_DAY = datetime.date(2027, 3, 1)  # a Monday
PATTERNS = {
    "12h": [(7, 12, 2), (19, 12, 1)],  # start hour, hours, required
    "8h": [(6, 8, 2), (14, 8, 1), (22, 8, 1)],
}


def stamp(day, hour):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ).isoformat()


def make_instance(name, lines, agents_per_line, days=31, seed=1, time_limit=10):
    """Lines grouped four to a unit; agents answer one or two lines of their unit; some take leave."""
    rnd = random.Random(seed)
    shifts, agents = [], []
    for index, line in enumerate(lines):
        pattern = PATTERNS["12h" if index % 2 == 0 else "8h"]
        for d in range(days):
            day = FIRST_DAY + datetime.timedelta(days=d)
            for start_hour, hours, required in pattern:
                start = datetime.datetime.combine(day, datetime.time(start_hour), tzinfo=TZ)
                shifts.append(
                    {
                        "id": f"L{line}-{day:%m%d}-{start_hour:02d}",
                        "line": line,
                        "start": start.isoformat(),
                        "end": (start + datetime.timedelta(hours=hours)).isoformat(),
                        "required": required,
                    }
                )
    for index, line in enumerate(lines):
        unit_lines = lines[index // 4 * 4 : index // 4 * 4 + 4]
        for k in range(agents_per_line):
            own = {line}
            if k % 3 == 0 and len(unit_lines) > 1:
                own.add(rnd.choice([x for x in unit_lines if x != line]))
            agent = {"id": f"A{line}-{k:02d}", "lines": sorted(own), "max_hours_per_week": 48 if k % 4 else 40}
            if k % 5 == 1:
                first = FIRST_DAY + datetime.timedelta(days=rnd.randrange(days - 4))
                agent["unavailable"] = [{"start": stamp(first, 0), "end": stamp(first + datetime.timedelta(days=3), 0)}]
            if k % 6 == 2:
                agent["days_off_wished"] = [str(FIRST_DAY + datetime.timedelta(days=rnd.randrange(days)))]
            agents.append(agent)
    return name, {
        "timezone": "Asia/Ho_Chi_Minh",
        "shifts": shifts,
        "agents": agents,
        "holidays": ["2027-03-08"],
        "time_limit_s": time_limit,
    }


INSTANCES = {
    "province": lambda limit: make_instance(
        "province: 4 lines x 31 days", ["1", "2", "3", "4"], 11, time_limit=limit or 10
    ),
    "province5": lambda limit: make_instance(
        "province: 5 lines x 31 days", ["1", "2", "3", "4", "5"], 8, seed=5, time_limit=limit or 10
    ),
    "tight": lambda limit: make_instance(
        "province: 4 lines x 31 days, short", ["1", "2", "3", "4"], 5, seed=3, time_limit=limit or 10
    ),
    # Fewer agents still: about a fifth of the places stay empty.
    "scarce": lambda limit: make_instance(
        "province: 4 lines x 31 days, scarce", ["1", "2", "3", "4"], 4, seed=4, time_limit=limit or 10
    ),
    "big": lambda limit: make_instance(
        "20 lines x 31 days", [str(i) for i in range(1, 21)], 9, seed=2, time_limit=limit or 60
    ),
}


def spreads(problem, pairs):
    """Widest max − min among peers of total hours, night shifts and weekend shifts."""
    per_agent = defaultdict(lambda: [0, 0, 0])
    for shift_id, agent_id in pairs:
        shift = problem.shift_by_id[shift_id]
        per_agent[agent_id][0] += shift.seconds / 3600
        per_agent[agent_id][1] += clock.is_night(shift.start, shift.end, problem.timezone)
        per_agent[agent_id][2] += R.is_weekend(shift, problem)
    groups = defaultdict(list)
    for agent in problem.agents:
        if not agent.unavailable:
            past = problem.balance_by_agent.get(agent.id)
            past = None if past is None else (past.hours, past.available_hours, past.nights, past.weekends)
            groups[(agent.lines, problem.max_hours(agent), past)].append(per_agent[agent.id])
    widest = [0, 0, 0]
    for members in groups.values():
        if len(members) > 1:
            for i in range(3):
                widest[i] = max(widest[i], max(m[i] for m in members) - min(m[i] for m in members))
    return widest


def load_columns(problem, pairs):
    """The widest pro-rated spread per measure, the largest floor and the widest excess over
    the floor, all in percentage points of capacity."""
    groups = R.load_spreads(problem, pairs)
    widest = [max((g["spread"][m] for g in groups), default=0) * 100 for m in R.MEASURES]
    floor = max((g["floor"] for g in groups), default=0) * 100
    over = max((max(0, g["spread"][m] - g["floor"]) for g in groups for m in R.MEASURES), default=0) * 100
    return f" {widest[0]:>6.1f} {widest[1]:>5.1f} {widest[2]:>5.1f} {widest[3]:>5.1f} {floor:>5.1f} {over:>5.1f}"


def gap_columns(problem, pairs):
    """The longest time a line stays short and the combined hours of adjacent short shifts."""
    gaps = R.gaps(problem, pairs)
    return f" {gaps['longest_hours']:>5.0f} {gaps['adjacent_hours']:>5.0f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 8])
    parser.add_argument("--instances", nargs="+", default=list(INSTANCES), choices=list(INSTANCES))
    parser.add_argument("--time-limit", type=float, default=None, help="override each instance's limit")
    parser.add_argument("--no-replan", action="store_true", help="skip the re-plan measurement")
    args = parser.parse_args()

    header = f"{'instance':<36} {'builder':<10} {'filled':>11} {'status':>8} {'wall s':>7} {'bound':>6}"
    header += f" {'hours':>6} {'nights':>6} {'wkend':>6}"
    header += f" {'ld-h':>6} {'ld-n':>5} {'ld-w':>5} {'ld-ho':>5} {'floor':>5} {'over':>5} {'gap h':>5} {'adj h':>5}"
    header += f" {'viol':>5}"
    print(header)
    for key in args.instances:
        name, data = INSTANCES[key](args.time_limit)
        problem = parse_problem(data)
        required = sum(s.required for s in problem.shifts)
        started = time.monotonic()
        pairs = greedy(problem)
        wall = time.monotonic() - started
        h, n, w = spreads(problem, pairs)
        violations = len(check(problem, pairs))
        print(
            f"{name:<36} {'greedy':<10} {len(pairs):>5}/{required:<5} {'-':>8} {wall:>7.2f} {'-':>6}"
            f" {h:>6.0f} {n:>6} {w:>6}{load_columns(problem, pairs)}{gap_columns(problem, pairs)} {violations:>5}"
        )
        for workers in args.workers:
            solution = solve(problem, workers=workers)
            h, n, w = spreads(problem, solution.assignments)
            violations = len(check(problem, solution.assignments))
            print(
                f"{name:<36} {'cp-sat/' + str(workers):<10} {len(solution.assignments):>5}/{required:<5}"
                f" {solution.status:>8} {solution.stats['wall_s']:>7.2f} {solution.stats.get('best_bound', '-'):>6}"
                f" {h:>6.0f} {n:>6} {w:>6}{load_columns(problem, solution.assignments)}"
                f"{gap_columns(problem, solution.assignments)} {violations:>5}"
            )
    if not args.no_replan:
        for workers in args.workers:
            replan(workers)


def replan(workers):
    """A director re-plans after an agent falls sick for three days inside a published month."""
    _, data = INSTANCES["province"](10)
    first = solve(parse_problem(data), workers=workers)
    sick = next(agent for shift, agent in first.assignments if shift.startswith("L2-0310"))
    for agent in data["agents"]:
        if agent["id"] == sick:
            agent["unavailable"] = [
                {"start": stamp(FIRST_DAY.replace(day=10), 0), "end": stamp(FIRST_DAY.replace(day=13), 0)}
            ]
    data["current"] = [{"shift": s, "agent": a} for s, a in first.assignments]
    data["time_limit_s"] = 5
    problem = parse_problem(data)
    solution = solve(problem, workers=workers)
    lost = set(first.assignments) - set(solution.assignments)
    others = sum(1 for _, agent in lost if agent != sick)
    print(
        f"re-plan after 3 days of sick leave, cp-sat/{workers}: wall {solution.stats['wall_s']:.2f} s, "
        f"filled {solution.stats['objective']}/{solution.stats['required']}, changed {len(lost)} "
        f"({others} of other agents), violations {len(check(problem, solution.assignments))}"
    )


if __name__ == "__main__":
    main()
