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
  works, as some set of the agent's shifts that keeps the week's rules would: the hours cap
  (history counted), rest between shifts (rule 3), the weekly rest (rule 5) and the run of
  nights (rule 6, history counted);
- a class crossing two weeks has the same count in both weeks' patterns, at least the fixed
  assignments of the agent in it; the places a class fills are at most the shifts its agents
  work, and at most its places.

Every roster that keeps the rules gives each agent such a pattern each week, so the model's
optimum (or CP-SAT's bound on it) is an upper bound on the places filled. Each pattern is a
whole set of shifts, so the relaxation knows an agent's week is whole: on the bench it proves
411 and 358 where the roster model stops at 412 and 360, and its counts can be worked agent
by agent, which the dive needs (docs/solver.md).
"""

import bisect
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
    bound = math.floor(solver.BestObjectiveBound() + 1e-6)
    counts = [(agent_id, tuple(s.id for s in shifts), solver.Value(count)) for agent_id, shifts, count in worked]
    return FillBound(bound, counts)


def _pattern_model(component, deadline: float):
    problem = component.problem
    tz = problem.timezone
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

    class_of = {shift.id: signature(shift) for shift in shifts}
    classes = defaultdict(list)
    for shift in sorted(shifts, key=lambda s: (s.start, s.id)):
        classes[class_of[shift.id]].append(shift)
    by_agent = defaultdict(lambda: defaultdict(list))
    for shift_id, agent_id in component.x:
        by_agent[agent_id][class_of[shift_id]].append(problem.shift_by_id[shift_id])

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
            found = _patterns(problem, agent, own, touching, week, budget, deadline)
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


def _patterns(problem, agent, own: dict, touching: list, week, budget: int, deadline: float) -> list:
    """Every count vector over `touching` (the agent's classes that touch `week`) of a set of
    the agent's shifts that keeps, inside the week, the hours budget (rule 4), rest between
    shifts (rule 3), the weekly rest (rule 5, for a week inside the span) and the run of
    nights (rule 6, history's nights counted). Exact for the week: a search over the week's
    shifts in order of start, its states merged when they agree on all the rest can depend on."""
    tz = problem.timezone
    min_rest = rules.rest(problem)
    week_start, week_end = week
    needed = rules.weekly_rest_seconds(problem) if week in problem.weeks_inside_span else 0
    limit = problem.rules.max_consecutive_nights
    hours = [dict(k[1])[week] for k in touching]
    items = sorted(
        ((s, index) for index, k in enumerate(touching) for s in own[k]), key=lambda item: (item[0].start, item[0].id)
    )
    # Per shift, in seconds from the week's start and day ordinals: the search below visits
    # tens of thousands of states per agent and week on the bench.
    starts = [s.start for s, _ in items]
    resume = [bisect.bisect_left(starts, s.end + min_rest, j + 1) for j, (s, _) in enumerate(items)]
    begins = [(min(s.start, week_end) - week_start).total_seconds() for s, _ in items]
    ends = [(max(week_start, s.end) - week_start).total_seconds() for s, _ in items]
    length = (week_end - week_start).total_seconds()
    history = problem.history_of(agent.id)
    worked_nights = {clock.local_date(h.start, tz).toordinal() for h in history if clock.is_night(h.start, h.end, tz)}
    night, fresh_run = [], []
    for s, _ in items:
        day = clock.local_date(s.start, tz).toordinal() if clock.is_night(s.start, s.end, tz) else None
        night.append(day)
        # A night after no night of ours the day before continues history's run, if any.
        run = 1
        while day is not None and day - run in worked_nights:
            run += 1
        fresh_run.append(run)

    empty = (0,) * len(touching)
    found = {empty}
    # (index of the last shift taken or -1, counts, hours used, last night's date, nights in
    # its run, whether a weekly rest has been seen before that shift)
    stack = [(-1, empty, 0, None, 0, not needed)]
    seen = set(stack)
    while stack:
        if time.monotonic() > deadline:
            raise PatternsUnavailable
        last, counts, used, last_night, run, rested = stack.pop()
        free_from = 0 if last < 0 else ends[last]
        for j in range(0 if last < 0 else resume[last], len(items)):
            index = items[j][1]
            if used + hours[index] > budget:
                continue
            day, nights = night[j], run
            if day is not None:
                nights = run + 1 if last_night == day - 1 else fresh_run[j]
                if nights > limit:
                    continue
            now_rested = rested or begins[j] - free_from >= needed
            state = (
                j,
                (*counts[:index], counts[index] + 1, *counts[index + 1 :]),
                used + hours[index],
                last_night if day is None else day,
                nights,
                now_rested,
            )
            if state in seen:
                continue
            seen.add(state)
            stack.append(state)
            if now_rested or length - ends[j] >= needed:
                found.add(state[1])
                if len(found) > PATTERN_LIMIT:
                    raise PatternsUnavailable
    return sorted(found)
