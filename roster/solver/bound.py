"""
A second model for the filled level's bound: each agent's week as a pattern of shift counts.

When places must stay empty, the director needs to know the roster is as full as it can be.
The roster model's linear relaxation cannot tell: it lets a 40-hour agent on a 12-hour line
work 3⅓ shifts a week and a night shift that crosses Sunday midnight count in fractions, so
its bound stays several places above what any roster fills (412 against 411 on the bench's
short-staffed month, and CP-SAT's cuts do not close it). This model works with whole shifts
per agent and ISO week instead:

- shifts are grouped in *classes*: same line, and the same seconds inside each ISO week they
  touch (every 12-hour shift of line 2 lying inside the week of 8 March is one class, day or
  night; a Sunday night shift crossing into the next week is a class of its own);
- for each agent and week, one *pattern* is chosen: how many shifts of each class the agent
  works, within the weekly hours cap (history counted), no more shifts starting in the week
  than an interval schedule of them can hold (rule 3), and shifts held by the pattern alone
  (a class of one) not too close to each other or to the rest;
- a class crossing two weeks has the same count in both weeks' patterns, at least the fixed
  assignments of the agent in it; the places a class fills are at most the shifts its agents
  work, and at most its places.

Every roster that keeps the rules gives each agent such a pattern each week, so the model's
optimum (or CP-SAT's bound on it) is an upper bound on the places filled. Each pattern is a
whole set of shifts, so the relaxation knows an agent's week is whole: on the bench it proves
411 and 358 where the roster model stops at 412 and 360 (docs/solver.md).
"""

import datetime
import math
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from roster.solver import clock, rules

# Beyond this many patterns in all the model is not built (a problem with many lines and shift
# times per agent); the roster model's own bound stands then.
PATTERN_LIMIT = 60_000


def relaxation_solver(workers: int, seconds: float) -> cp_model.CpSolver:
    """A solver that keeps the full linear relaxation and its cuts in the search: with one
    worker that worker, with two one of them (the other CP-SAT's default). On the bench's
    short-staffed month the roster model's bound went from 418 to 412 with it (docs/solver.md)."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = seconds
    if workers == 1:
        solver.parameters.linearization_level = 2
    elif workers == 2:
        solver.parameters.subsolvers.extend(["max_lp", "default_lp"])
    return solver


class PatternsUnavailable(Exception):
    """Too many patterns, or no time left to list them: the roster model's bound stands."""


@dataclass(frozen=True)
class FillBound:
    bound: int
    # The counts of the model's best solution: (agent id, shift ids of a class, shifts worked).
    # A roster that fills as many places often works no more than these: the filled level's
    # first search ("the dive") holds each agent to them.
    counts: list


def fill_bound(component, deadline: float, workers: int) -> FillBound | None:
    """An upper bound on the places `component` (a model.ComponentModel) can fill, or None
    when the pattern model is too large to build or finds nothing before `deadline`."""
    try:
        model, filled, worked = _pattern_model(component, deadline)
    except PatternsUnavailable:
        return None
    model.Maximize(filled)
    # The whole point is the relaxation of the patterns: keep it, and its cuts, in every worker.
    solver = relaxation_solver(workers, max(0.05, deadline - time.monotonic()))
    solver.parameters.linearization_level = 2
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    counts = [(agent_id, tuple(s.id for s in shifts), solver.Value(count)) for agent_id, shifts, count in worked]
    return FillBound(math.floor(solver.BestObjectiveBound() + 1e-6), counts)


def _pattern_model(component, deadline: float):
    problem = component.problem
    tz = problem.timezone
    min_rest = rules.rest(problem)
    shifts = [problem.shift_by_id[shift_id] for shift_id in {shift_id for shift_id, _ in component.x}]
    weeks = sorted({w for s in shifts for w in clock.weeks_overlapping(s.start, s.end, tz)})
    unit = math.gcd(*(clock.overlap_seconds(s.start, s.end, *w) for s in shifts for w in weeks)) or 1

    def signature(shift):
        return (
            shift.line,
            tuple(
                (week, clock.overlap_seconds(shift.start, shift.end, *week) // unit)
                for week in clock.weeks_overlapping(shift.start, shift.end, tz)
            ),
        )

    classes = defaultdict(list)
    for shift in sorted(shifts, key=lambda s: (s.start, s.id)):
        classes[signature(shift)].append(shift)
    by_agent = defaultdict(lambda: defaultdict(list))
    for shift_id, agent_id in component.x:
        shift = problem.shift_by_id[shift_id]
        by_agent[agent_id][signature(shift)].append(shift)

    model = cp_model.CpModel()
    worked = defaultdict(list)  # class → the count of each agent's shifts in it
    each = []  # (agent id, the agent's shifts of a class, their count)
    patterns = 0
    for agent in component.agents:
        own = by_agent[agent.id]
        if not own:
            continue
        cap = rules.cap_seconds(problem, agent)
        history = problem.history_of(agent.id)
        counts = {}  # class → (week, count expression) of the patterns holding it
        for week in weeks:
            touching = [k for k in own if any(w == week for w, _ in k[1])]
            if not touching:
                continue
            already = sum(clock.overlap_seconds(h.start, h.end, *week) for h in history)
            budget = max(0, cap - already) // unit
            found = _patterns(own, touching, week, budget, min_rest, deadline)
            patterns += len(found)
            if patterns > PATTERN_LIMIT:
                raise PatternsUnavailable
            chosen = [model.NewBoolVar("") for _ in found]
            model.AddExactlyOne(chosen)
            for index, k in enumerate(touching):
                count = cp_model.LinearExpr.WeightedSum(
                    [var for var, pattern in zip(chosen, found, strict=True) if pattern[index]],
                    [pattern[index] for pattern in found if pattern[index]],
                )
                if k in counts:
                    model.Add(counts[k] == count)  # a shift crossing into this week: the same count
                else:
                    counts[k] = count
                    worked[k].append(count)
                    each.append((agent.id, own[k], count))
                    kept = sum(1 for shift in own[k] if (shift.id, agent.id) in component.fixed)
                    if kept:
                        model.Add(count >= kept)  # fixed assignments are worked
    filled = []
    for k, members in classes.items():
        if worked[k]:
            places = sum(s.required for s in members)
            fill = model.NewIntVar(0, places, "")
            model.Add(fill <= sum(worked[k]))
            filled.append(fill)
    return model, cp_model.LinearExpr.Sum(filled), each


def _patterns(own: dict, touching: list, week, budget: int, min_rest: datetime.timedelta, deadline: float) -> list:
    """Every count vector over `touching` (the agent's classes that touch `week`) that fits
    the week's hours budget and rule 3 as far as counts can tell."""
    hours = [dict(k[1])[week] for k in touching]
    starting = [k[1][0][0] == week for k in touching]
    most = _schedule_size([s for k, starts in zip(touching, starting, strict=True) if starts for s in own[k]], min_rest)
    found = []

    def extend(index, prefix, left, started):
        if time.monotonic() > deadline:
            raise PatternsUnavailable
        if index == len(touching):
            if _fits(own, touching, prefix, min_rest):
                found.append(tuple(prefix))
                if len(found) > PATTERN_LIMIT:
                    raise PatternsUnavailable
            return
        k = touching[index]
        for n in range(len(own[k]) + 1):
            if n * hours[index] > left or (starting[index] and started + n > most):
                break
            prefix.append(n)
            extend(index + 1, prefix, left - n * hours[index], started + n * starting[index])
            prefix.pop()

    extend(0, [], budget, 0)
    return found


def _fits(own, touching, counts, min_rest) -> bool:
    """The shifts a pattern holds whatever the agent chooses (classes of one) are not too close
    to each other, and the other classes' counts fit an interval schedule of what is left."""
    held = [own[k][0] for k, n in zip(touching, counts, strict=True) if n and len(own[k]) == 1]
    for i, first in enumerate(held):
        for second in held[i + 1 :]:
            if rules.too_close(first.start, first.end, second.start, second.end, min_rest):
                return False
    others = [
        shift
        for k, n in zip(touching, counts, strict=True)
        if n and len(own[k]) > 1
        for shift in own[k]
        if not any(rules.too_close(h.start, h.end, shift.start, shift.end, min_rest) for h in held)
    ]
    wanted = sum(n for k, n in zip(touching, counts, strict=True) if len(own[k]) > 1)
    return wanted <= _schedule_size(others, min_rest)


def _schedule_size(shifts, min_rest) -> int:
    """The most of these shifts one agent can work under rule 3: an earliest-end-first
    interval schedule of [start, end + rest), which is optimal for intervals."""
    size, free_from = 0, None
    for shift in sorted(shifts, key=lambda s: s.end):
        if free_from is None or shift.start >= free_from:
            size += 1
            free_from = shift.end + min_rest
    return size
