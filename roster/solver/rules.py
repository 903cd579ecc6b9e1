"""
The hard rules of CONTRACT §4 (Labour Code 2019, Art. 105, 106, 110, 111) in one place.

The definitions here — what a night shift is, where a week begins, when two shifts are
too close — are used both by the CP-SAT model and by `check`, the independent checker that
pages, the API and the bench use to validate any roster, hand-made or not.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from roster.solver.problem import Agent, Problem, Shift

NIGHT_START = datetime.time(22, 0)
NIGHT_END = datetime.time(6, 0)
NIGHT_SHIFT_SECONDS = 180 * 60
WEEK = datetime.timedelta(days=7)

RULE_NAMES = {
    1: "qualified for the line",
    2: "not while unavailable",
    3: "rest between shifts",
    4: "weekly hours",
    5: "weekly rest",
    6: "consecutive nights",
    7: "places and fixed assignments",
}


@dataclass(frozen=True)
class Violation:
    rule: int
    agent: str | None
    shifts: tuple
    message: str

    def __str__(self):
        return f"rule {self.rule} ({RULE_NAMES[self.rule]}): {self.message}"


# Definitions shared by the model and the checker ------------------------------------------------


def overlap_seconds(a_start, a_end, b_start, b_end) -> int:
    return max(0, int((min(a_end, b_end) - max(a_start, b_start)).total_seconds()))


def local_midnight(day: datetime.date, tz) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def local_date(moment: datetime.datetime, tz) -> datetime.date:
    return moment.astimezone(tz).date()


def night_seconds(start, end, tz) -> int:
    """Seconds of [start, end) inside the local 22:00–06:00 windows."""
    total = 0
    day = local_date(start, tz) - datetime.timedelta(days=1)
    last = local_date(end, tz)
    while day <= last:
        night_start = datetime.datetime.combine(day, NIGHT_START, tzinfo=tz)
        night_end = datetime.datetime.combine(day + datetime.timedelta(days=1), NIGHT_END, tzinfo=tz)
        total += overlap_seconds(start, end, night_start, night_end)
        day += datetime.timedelta(days=1)
    return total


def is_night(start, end, tz) -> bool:
    return night_seconds(start, end, tz) >= NIGHT_SHIFT_SECONDS


def is_weekend(shift: Shift, problem: Problem) -> bool:
    """Starts on a local Saturday, Sunday or public holiday."""
    day = local_date(shift.start, problem.timezone)
    return day.weekday() >= 5 or day in problem.holidays


def week_of(moment, tz) -> tuple[datetime.datetime, datetime.datetime]:
    """The ISO week holding moment: Monday 00:00 local to the next Monday 00:00 local."""
    day = local_date(moment, tz)
    monday = day - datetime.timedelta(days=day.weekday())
    return local_midnight(monday, tz), local_midnight(monday + WEEK, tz)


def weeks_overlapping(start, end, tz) -> list:
    weeks = []
    week = week_of(start, tz)
    while week[0] < end:
        weeks.append(week)
        week = week_of(week[1], tz)
    return weeks


def span(problem: Problem):
    """Earliest shift start to latest shift end; None without shifts."""
    if not problem.shifts:
        return None
    return min(s.start for s in problem.shifts), max(s.end for s in problem.shifts)


def weeks_inside_span(problem: Problem) -> list:
    """The ISO weeks lying wholly inside the problem's span (rule 5 applies to these)."""
    bounds = span(problem)
    if bounds is None:
        return []
    return [w for w in weeks_overlapping(*bounds, problem.timezone) if bounds[0] <= w[0] and w[1] <= bounds[1]]


def rest(problem: Problem) -> datetime.timedelta:
    return datetime.timedelta(hours=problem.rules.min_rest_hours)


def too_close(a_start, a_end, b_start, b_end, min_rest: datetime.timedelta) -> bool:
    """Whether one agent may not work both: they overlap or leave less than min_rest between them."""
    return b_start < a_end + min_rest and a_start < b_end + min_rest


def unavailable_during(agent: Agent, start, end) -> bool:
    return any(u.start < end and start < u.end for u in agent.unavailable)


def cap_seconds(problem: Problem, agent: Agent) -> int:
    return round(problem.max_hours(agent) * 3600)


def weekly_rest_seconds(problem: Problem) -> int:
    return round(problem.rules.weekly_rest_hours * 3600)


# The checker ------------------------------------------------------------------------------------


def check(problem: Problem, assignments) -> list[Violation]:
    """Every rule that these assignments break, given the problem's agents, shifts and history.

    `assignments` holds (shift id, agent id) pairs or {"shift", "agent"} objects.
    """
    pairs = [(a["shift"], a["agent"]) if isinstance(a, dict) else tuple(a) for a in assignments]
    violations = []
    known = []
    for shift_id, agent_id in pairs:
        if shift_id not in problem.shift_by_id or agent_id not in problem.agent_by_id:
            violations.append(Violation(7, agent_id, (shift_id,), f"unknown shift {shift_id} or agent {agent_id}"))
        else:
            known.append((shift_id, agent_id))

    for (shift_id, agent_id), count in Counter(known).items():
        if count > 1:
            violations.append(Violation(7, agent_id, (shift_id,), f"agent {agent_id} is on shift {shift_id} twice"))
    per_shift = Counter(shift_id for shift_id, _ in set(known))
    for shift_id, count in per_shift.items():
        required = problem.shift_by_id[shift_id].required
        if count > required:
            violations.append(
                Violation(7, None, (shift_id,), f"shift {shift_id} has {count} agents for {required} places")
            )
    for shift_id, agent_id in problem.fixed:
        if (shift_id, agent_id) not in set(known):
            violations.append(
                Violation(7, agent_id, (shift_id,), f"fixed assignment of agent {agent_id} to {shift_id} is missing")
            )

    by_agent = defaultdict(list)
    for shift_id, agent_id in dict.fromkeys(known):
        by_agent[agent_id].append(problem.shift_by_id[shift_id])
    for agent_id, shifts in by_agent.items():
        violations += agent_violations(problem, problem.agent_by_id[agent_id], shifts)
    return violations


def agent_violations(problem: Problem, agent: Agent, shifts: list, involving: str | None = None) -> list:
    """Rules 1–6 for one agent working these shifts (plus their history).

    With `involving`, only violations that involve that shift are returned.
    """
    tz = problem.timezone
    found = []
    shifts = sorted(shifts, key=lambda s: (s.start, s.id))
    history = problem.history_of(agent.id)

    for s in shifts:
        if s.line not in agent.lines:
            found.append(Violation(1, agent.id, (s.id,), f"agent {agent.id} does not answer line {s.line}"))
        for u in agent.unavailable:
            if u.start < s.end and s.start < u.end:
                found.append(Violation(2, agent.id, (s.id,), f"agent {agent.id} is unavailable during shift {s.id}"))
                break

    min_rest = rest(problem)
    worked = [(s.start, s.end, s.id) for s in shifts] + [(h.start, h.end, None) for h in history]
    worked.sort(key=lambda w: (w[0], w[1]))
    for i, (a_start, a_end, a_id) in enumerate(worked):
        for b_start, b_end, b_id in worked[i + 1 :]:
            if a_id is None and b_id is None:
                continue
            if too_close(a_start, a_end, b_start, b_end, min_rest):
                gap = (b_start - a_end).total_seconds() / 3600
                found.append(
                    Violation(
                        3,
                        agent.id,
                        tuple(x for x in (a_id, b_id) if x),
                        f"agent {agent.id} has {max(gap, 0):g} h between {a_id or 'an earlier shift'} "
                        f"and {b_id}, needs {problem.rules.min_rest_hours:g} h",
                    )
                )

    cap = cap_seconds(problem, agent)
    weeks = {w for s in shifts for w in weeks_overlapping(s.start, s.end, tz)}
    for week in sorted(weeks):
        in_week = [s for s in shifts if overlap_seconds(s.start, s.end, *week)]
        total = sum(overlap_seconds(s.start, s.end, *week) for s in in_week)
        total += sum(overlap_seconds(h.start, h.end, *week) for h in history)
        if total > cap:
            found.append(
                Violation(
                    4,
                    agent.id,
                    tuple(s.id for s in in_week),
                    f"agent {agent.id} works {total / 3600:g} h in the week of {local_date(week[0], tz)}, "
                    f"over the cap of {cap / 3600:g} h",
                )
            )

    needed = weekly_rest_seconds(problem)
    for week in weeks_inside_span(problem):
        in_week = [s for s in shifts if overlap_seconds(s.start, s.end, *week)]
        if in_week and longest_free_seconds(in_week, *week) < needed:
            found.append(
                Violation(
                    5,
                    agent.id,
                    tuple(s.id for s in in_week),
                    f"agent {agent.id} has no {problem.rules.weekly_rest_hours:g} h rest in the week of "
                    f"{local_date(week[0], tz)}",
                )
            )

    limit = problem.rules.max_consecutive_nights
    nights = defaultdict(list)  # local start date → night shift ids (None for history)
    for s in shifts:
        if is_night(s.start, s.end, tz):
            nights[local_date(s.start, tz)].append(s.id)
    for h in history:
        if is_night(h.start, h.end, tz):
            nights[local_date(h.start, tz)].append(None)
    for run in consecutive_runs(sorted(nights)):
        if len(run) > limit:
            ids = tuple(i for day in run for i in nights[day] if i)
            if ids:
                found.append(
                    Violation(
                        6,
                        agent.id,
                        ids,
                        f"agent {agent.id} has night shifts on {len(run)} consecutive dates "
                        f"from {run[0]}, more than {limit}",
                    )
                )

    if involving is not None:
        found = [v for v in found if involving in v.shifts]
    return found


def longest_free_seconds(shifts, week_start, week_end) -> int:
    """The longest stretch of [week_start, week_end) outside all of these shifts."""
    longest = 0
    free_from = week_start
    for s in sorted(shifts, key=lambda s: s.start):
        if s.start > free_from:
            longest = max(longest, int((min(s.start, week_end) - free_from).total_seconds()))
        free_from = max(free_from, s.end)
    if week_end > free_from:
        longest = max(longest, int((week_end - free_from).total_seconds()))
    return longest


def consecutive_runs(days: list) -> list:
    runs = []
    for day in days:
        if runs and day - runs[-1][-1] == datetime.timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs
