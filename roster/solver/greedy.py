"""
A greedy builder: shift by shift in time order, each place goes to the qualified agent with
the least load who breaks no rule. Fast and fair-ish, never optimal; the CP-SAT model starts
from it, and the bench compares against it.
"""

import bisect
import datetime
from collections import defaultdict

from roster.solver import clock, rules
from roster.solver.problem import Problem

ONE_DAY = datetime.timedelta(days=1)


def greedy(problem: Problem, fixed=(), keep=(), shifts=None, agents=None, prorated=True) -> list:
    """(shift id, agent id) pairs: the fixed ones, those of `keep` that still fit, then the greedy's choices.

    Loads are pro-rated as rules.load_spreads measures them; without `prorated`, as the first
    engine had them (night and weekend counts, hours against the weekly cap), which on a
    short-staffed roster sometimes fills a few more places."""
    tz = problem.timezone
    shifts = sorted(shifts if shifts is not None else problem.shifts, key=lambda s: (s.start, s.id))
    agents = agents if agents is not None else problem.agents
    min_rest = rules.rest(problem)
    weekly_rest = rules.weekly_rest_seconds(problem)
    inside = problem.weeks_inside_span
    limit = problem.rules.max_consecutive_nights

    worked = defaultdict(list)  # agent → sorted [(start, end)], history included
    assigned = defaultdict(list)  # agent → [Shift] in the horizon
    week_seconds = defaultdict(int)
    night_dates = defaultdict(set)
    load = defaultdict(lambda: [0, 0, 0])  # seconds, nights, weekend shifts
    on_shift = defaultdict(set)
    chosen = []

    def take(shift, agent_id):
        bisect.insort(worked[agent_id], (shift.start, shift.end))
        assigned[agent_id].append(shift)
        for week in clock.weeks_overlapping(shift.start, shift.end, tz):
            week_seconds[agent_id, week] += clock.overlap_seconds(shift.start, shift.end, *week)
        night = clock.is_night(shift.start, shift.end, tz)
        if night:
            night_dates[agent_id].add(clock.local_date(shift.start, tz))
        load[agent_id][0] += shift.seconds
        load[agent_id][1] += night
        load[agent_id][2] += rules.is_weekend(shift, problem)
        on_shift[shift.id].add(agent_id)
        chosen.append((shift.id, agent_id))

    for h in problem.history:
        bisect.insort(worked[h.agent], (h.start, h.end))
        for week in clock.weeks_overlapping(h.start, h.end, tz):
            week_seconds[h.agent, week] += clock.overlap_seconds(h.start, h.end, *week)
        if clock.is_night(h.start, h.end, tz):
            night_dates[h.agent].add(clock.local_date(h.start, tz))
    for shift_id, agent_id in fixed:
        take(problem.shift_by_id[shift_id], agent_id)

    # Rules 8–16 that more shifts only break further; the minimums are left to the model.
    monotone = {a.id: rules.monotone_day_rules(problem, a) for a in problem.agents}

    def allowed(shift, agent, night, night_date):
        if shift.line not in agent.lines or agent.id in on_shift[shift.id]:
            return False
        if rules.unavailable_during(agent, shift.start, shift.end):
            return False
        intervals = worked[agent.id]
        i = bisect.bisect_left(intervals, (shift.start, shift.end))
        for start, end in intervals[max(0, i - 3) : i + 3]:
            if rules.too_close(start, end, shift.start, shift.end, min_rest):
                return False
        cap = rules.cap_seconds(problem, agent)
        for week in clock.weeks_overlapping(shift.start, shift.end, tz):
            if week_seconds[agent.id, week] + clock.overlap_seconds(shift.start, shift.end, *week) > cap:
                return False
        if night:
            dates = night_dates[agent.id] | {night_date}
            run, day = 1, night_date
            while day - ONE_DAY in dates:
                run, day = run + 1, day - ONE_DAY
            day = night_date
            while day + ONE_DAY in dates:
                run, day = run + 1, day + ONE_DAY
            if run > limit:
                return False
        for week in inside:
            if shift.start < week[1] and week[0] < shift.end:
                in_week = [s for s in assigned[agent.id] if s.start < week[1] and week[0] < s.end]
                if rules.longest_free_seconds([*in_week, shift], *week) < weekly_rest:
                    return False
        return True

    def keeps_day_rules(shift, agent):
        day_rules = monotone[agent.id]
        if day_rules is None:
            return True
        return not rules.day_rule_violations(problem, agent, [*assigned[agent.id], shift], day_rules)

    # Loads are pro-rated as rules.load_spreads measures them: against the agent's capacity,
    # the balance's past included.
    capacity = {a.id: max(rules.capacity_seconds(problem, a), 1) for a in agents}
    past = {a.id: rules.past_counts(problem, a) for a in agents}
    cap_of = {a.id: max(rules.cap_seconds(problem, a), 1) for a in agents}

    def priority(agent, night, weekend):
        """Least-loaded first: in nights for a night shift, weekends for a weekend one, then hours."""
        seconds, nights, weekends = load[agent.id]
        before = past[agent.id]
        room = capacity[agent.id]
        if not prorated:
            return (nights if night else 0, weekends if weekend else 0, seconds / cap_of[agent.id], agent.id)
        return (
            (before[1] + nights) / room if night else 0,
            (before[2] + weekends) / room if weekend else 0,
            (before[0] + seconds) / room,
            agent.id,
        )

    agent_by_id = problem.agent_by_id
    for shift_id, agent_id in sorted(keep, key=lambda pair: (problem.shift_by_id[pair[0]].start, pair)):
        shift = problem.shift_by_id[shift_id]
        night_date = clock.local_date(shift.start, tz)
        agent = agent_by_id[agent_id]
        if (
            len(on_shift[shift_id]) < shift.required
            and allowed(shift, agent, clock.is_night(shift.start, shift.end, tz), night_date)
            and keeps_day_rules(shift, agent)
        ):
            take(shift, agent_id)

    for shift in shifts:
        night = clock.is_night(shift.start, shift.end, tz)
        weekend = rules.is_weekend(shift, problem)
        night_date = clock.local_date(shift.start, tz)
        while len(on_shift[shift.id]) < shift.required:
            candidates = [a for a in agents if allowed(shift, a, night, night_date)]
            # The day rules cost more to check: only in order of priority, until one keeps them.
            chosen_agent = next(
                (a for a in sorted(candidates, key=lambda a: priority(a, night, weekend)) if keeps_day_rules(shift, a)),
                None,
            )
            if chosen_agent is None:
                break
            take(shift, chosen_agent.id)
    return chosen
