"""
The roster engine: fills shifts with agents on Google OR-Tools CP-SAT, within the labour
rules, fairly. A pure package — it imports nothing from Django — so the command line
(`python -m roster.solver PROBLEM.json`), the web app and the bench all share it.

    problem = parse_problem(json.loads(text))
    solution = solve(problem)
    solution.to_dict(problem)           # the contract's JSON
    check(problem, solution.assignments)  # [] when every rule holds
"""

import os
import time
from collections import defaultdict

from roster.solver.model import ComponentModel, OutOfTime, PartSolve, roster_without_model, solve_parts
from roster.solver.problem import (
    Problem,
    ProblemError,
    RulesContradict,
    Solution,
    Unfilled,
    load_problem,
    parse_problem,
)
from roster.solver.reasons import NO_ROSTER, NOT_EXAMINED, unfilled_reason
from roster.solver.rules import Violation, check, penalty, shifts_by_agent

__all__ = [
    "Problem",
    "ProblemError",
    "RulesContradict",
    "Solution",
    "Violation",
    "check",
    "load_problem",
    "parse_problem",
    "solve",
]

# One CP-SAT search worker per core: on a 2-core machine 2 workers filled more places and
# proved more optima than 8 (docs/solver.md has the figures).
DEFAULT_WORKERS = int(os.environ.get("TRUCBAN_SOLVER_WORKERS", 0)) or min(8, os.cpu_count() or 2)


def solve(problem: Problem, *, workers: int = DEFAULT_WORKERS) -> Solution:
    """The best roster found within problem.time_limit_s; ProblemError if a fixed assignment breaks a rule."""
    started = time.monotonic()
    # Fixed assignments alone are judged on the rules more shifts cannot mend.
    broken = check(problem, problem.fixed, partial=True)
    if broken:
        raise ProblemError(f"fixed assignment breaks {broken[0]}")

    fixed = set(problem.fixed)
    current = set(problem.current)
    components = independent_parts(problem)
    sizes = [sum(1 for s in shifts for a in agents if s.line in a.lines) or 1 for shifts, agents in components]
    chosen, statuses = [], []
    unsolved = set()  # shifts of the parts with no roster found in time
    bounds = defaultdict(int)
    # Leave a little of the time limit for reporting.
    deadline = started + max(problem.time_limit_s * 0.97 - 0.05, 0.05)
    parts = {}  # index: PartSolve
    results = {}  # index: (status, pairs or None, {level: bound})
    for index, (shifts, agents) in enumerate(components):
        ids = {s.id for s in shifts}
        own_fixed = {p for p in fixed if p[0] in ids}
        # A part's model and start get its share of the time: a share most never need.
        share = sizes[index] / sum(sizes[index:])
        part_deadline = time.monotonic() + max((deadline - time.monotonic()) * share, 0.05)
        try:
            component = ComponentModel(problem, shifts, agents, own_fixed, deadline=part_deadline)
        except OutOfTime:
            results[index] = roster_without_model(problem, shifts, agents, fixed, current)
        else:
            own_current = {p for p in current if p[0] in ids and p in component.x}
            parts[index] = PartSolve(component, own_fixed, own_current, part_deadline, workers, size=sizes[index])
    solve_parts(list(parts.values()), deadline)
    for index, part in parts.items():
        results[index] = part.result()
    for index, (shifts, _) in enumerate(components):
        ids = {s.id for s in shifts}
        status, pairs, part_bounds = results[index]
        statuses.append(status)
        # No roster found in time: report the fixed assignments alone (status UNKNOWN).
        chosen += pairs if pairs is not None else [p for p in fixed if p[0] in ids]
        if pairs is None:
            unsolved |= ids
        for name, value in part_bounds.items():
            bounds[name] += value

    on_shift = defaultdict(list)
    for shift_id, agent_id in chosen:
        on_shift[shift_id].append(agent_id)
    worked = shifts_by_agent(problem, chosen)
    # The reasons may run a second past the roster's time, never more.
    reasons_until = max(started + problem.time_limit_s, time.monotonic() + 1.0)
    unfilled = []
    for s in problem.shifts:
        if len(on_shift[s.id]) < s.required:
            if s.id in unsolved:
                reason = NO_ROSTER
            elif time.monotonic() > reasons_until:
                reason = NOT_EXAMINED
            else:
                reason = unfilled_reason(problem, s, worked, on_shift[s.id])
            unfilled.append(Unfilled(s.id, s.required - len(on_shift[s.id]), reason))
    unfilled_places = sum(u.missing for u in unfilled)
    solvable = {s.id for shifts, _ in components for s in shifts}
    status = "OPTIMAL" if all(s == "OPTIMAL" for s in statuses) else "FEASIBLE"
    if "UNKNOWN" in statuses:
        status = "UNKNOWN"
    required = sum(s.required for s in problem.shifts)
    filled = required - unfilled_places
    stats = {
        "wall_s": None,
        "objective": filled,
        "best_bound": bounds.get("filled", filled),
        "required": required,
        "changed": len(current - set(chosen)),
        "components": len(components),
        "unstaffable_places": sum(u.missing for u in unfilled if u.shift not in solvable),
    }
    if problem.penalised:
        # The penalty as rules.penalty counts it (the checker's definition, not the model's).
        stats["penalty"] = penalty(problem, chosen)["total"]
        stats["penalty_bound"] = bounds.get("penalty", bounds.get("requests", 0))
    stats["wall_s"] = round(time.monotonic() - started, 3)
    return Solution(status, chosen, unfilled, stats)


def independent_parts(problem: Problem) -> list:
    """Groups of (shifts, agents) that share no agent: each can be solved on its own.

    Lines are joined when an agent answers both; shifts of a line no agent answers are left
    out (they are reported unfilled)."""
    parent = {}

    def find(item):
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for agent in problem.agents:
        lines = sorted(agent.lines)
        for line in lines:
            find(("line", line))
        for line in lines[1:]:
            parent[find(("line", line))] = find(("line", lines[0]))
    shifts_of, agents_of = defaultdict(list), defaultdict(list)
    for shift in problem.shifts:
        if ("line", shift.line) in parent:
            shifts_of[find(("line", shift.line))].append(shift)
    for agent in problem.agents:
        if agent.lines:
            agents_of[find(("line", min(agent.lines)))].append(agent)
    return [(shifts_of[root], agents_of[root]) for root in shifts_of]
