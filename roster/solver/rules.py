"""
The hard rules of docs/reference.md §4 (Labour Code 2019, Art. 105, 106, 110, 111) in one place.

The definitions here — what a night shift is, where a week begins, when two shifts are
too close — are used both by the CP-SAT model and by `check`, the independent checker that
pages, the API and the bench use to validate any roster, hand-made or not.
"""

import dataclasses
import datetime
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from roster.solver.clock import (
    ONE_DAY,
    is_night,
    local_date,
    local_midnight,
    overlap_seconds,
    weeks_overlapping,
)
from roster.solver.problem import Agent, Problem, Rules, Shift

RULE_NAMES = {
    1: "qualified for the line",
    2: "not while unavailable",
    3: "rest between shifts",
    4: "weekly hours",
    5: "weekly rest",
    6: "consecutive nights",
    7: "places and fixed assignments",
    8: "shifts a day",
    9: "forbidden succession",
    10: "shifts of a type",
    11: "hours in the period",
    12: "consecutive working days",
    13: "consecutive days off",
    14: "working weekends",
    15: "days off",
    16: "overtime",
}

# Rules a roster can only break further by adding shifts. A partial roster (the fixed
# assignments alone) is judged on these; a too-short run of work or rest, or too few hours,
# may still be mended by the shifts that are not chosen yet.
MONOTONE_RULES = frozenset(range(1, 17)) - {11, 12, 13}


@dataclass(frozen=True)
class Violation:
    rule: int
    agent: str | None
    shifts: tuple
    message: str

    def __str__(self):
        return f"rule {self.rule} ({RULE_NAMES[self.rule]}): {self.message}"


# Definitions shared by the model and the checker ------------------------------------------------


def is_weekend(shift: Shift, problem: Problem) -> bool:
    """Starts on a local Saturday, Sunday or public holiday."""
    day = local_date(shift.start, problem.timezone)
    return day.weekday() >= 5 or day in problem.holidays


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


# Fairness: the pro-rated load --------------------------------------------------------------------
#
# An agent's load is what they work against what their weekly cap allows in the time they are
# available: hours / capacity, and likewise nights, weekend, holiday and Tết shifts, each such
# shift weighing what the longest shift of the line weighs. Agents answering a line share it
# fairly when their loads differ little, whatever their caps, leave or other lines; with a
# `balance`, loads are measured on the earlier periods and this one together.

WEEK_SECONDS = 7 * 24 * 3600
MEASURES = ("hours", "nights", "weekends", "holidays", "tet")
LOAD_SCALE = 10_000  # the model's loads: 1 = 0.01 percentage point of capacity


def is_holiday(shift: Shift, problem: Problem) -> bool:
    return local_date(shift.start, problem.timezone) in problem.holidays


def is_tet(shift: Shift, problem: Problem) -> bool:
    """Starts on a date of the problem's `tet` (a Tết date need not be in `holidays` too)."""
    return local_date(shift.start, problem.timezone) in problem.tet


def counted(shift: Shift, problem: Problem) -> tuple:
    """What a shift adds to each measure, in the order of MEASURES: (seconds, night, weekend,
    holiday, Tết)."""
    tz = problem.timezone
    return (
        shift.seconds,
        int(is_night(shift.start, shift.end, tz)),
        int(is_weekend(shift, problem)),
        int(is_holiday(shift, problem)),
        int(is_tet(shift, problem)),
    )


def available_seconds(problem: Problem, agent: Agent) -> int:
    """Seconds of the period (its local dates, midnight to midnight) the agent is neither
    unavailable nor on a day off."""
    if not problem.dates:
        return 0
    tz = problem.timezone
    start, end = local_midnight(problem.dates[0], tz), local_midnight(problem.dates[-1] + ONE_DAY, tz)
    blocked = [(max(u.start, start), min(u.end, end)) for u in agent.unavailable if u.start < end and start < u.end]
    blocked += [(local_midnight(d, tz), local_midnight(d + ONE_DAY, tz)) for d in agent.days_off if d in problem.dates]
    free = int((end - start).total_seconds())
    reach = start
    for a, b in sorted(blocked):
        a = max(a, reach)
        if b > a:
            free -= int((b - a).total_seconds())
            reach = b
    return free


def capacity_seconds(problem: Problem, agent: Agent) -> int:
    """Weekly cap × available time / 168 h, the balance's past available hours included."""
    past = problem.balance_by_agent.get(agent.id)
    available = available_seconds(problem, agent) + (round(past.available_hours * 3600) if past else 0)
    return cap_seconds(problem, agent) * available // WEEK_SECONDS


def past_counts(problem: Problem, agent: Agent) -> tuple:
    """The balance's totals in the order of MEASURES (hours in seconds); zeros without one."""
    past = problem.balance_by_agent.get(agent.id)
    if past is None:
        return (0,) * len(MEASURES)
    return (round(past.hours * 3600), past.nights, past.weekends, past.holidays, past.tet)


def line_weight_seconds(problem: Problem, line: str) -> int:
    """What one shift of the line weighs: its longest shift."""
    return max((s.seconds for s in problem.shifts if s.line == line), default=0)


def load_per(measure: int, weight: int, capacity: int) -> float:
    """What one unit of a measure adds to a load of `capacity`, in the model's units
    (LOAD_SCALE) before rounding: a second of work for hours, one shift weighing `weight` (the
    line's longest shift) for the counts. The model rounds it per shift and once for the past."""
    return (1 if measure == 0 else weight) * LOAD_SCALE / capacity


def load_floor(weight: int, capacities) -> int:
    """A line's floor in the model's units: one shift of `weight` against the smallest capacity."""
    return weight * LOAD_SCALE // min(capacities)


def load_groups(problem: Problem, agents=None) -> list:
    """[(line, [agents])]: each line with shifts and the agents answering it who have a capacity."""
    agents = problem.agents if agents is None else agents
    lines = sorted({s.line for s in problem.shifts})
    groups = []
    for line in lines:
        members = [a for a in agents if line in a.lines and capacity_seconds(problem, a) > 0]
        if len(members) > 1:
            groups.append((line, members))
    return groups


def load_spreads(problem: Problem, assignments) -> list:
    """Per line: {"line", "floor", "spread": {measure: max - min load}}, loads and floor as
    fractions of capacity. The floor, one shift of the line against the group's smallest
    capacity, is what integrality allows at best."""
    pairs = [(a["shift"], a["agent"]) if isinstance(a, dict) else tuple(a) for a in assignments]
    totals = defaultdict(lambda: [0] * len(MEASURES))
    for shift_id, agent_id in pairs:
        for i, value in enumerate(counted(problem.shift_by_id[shift_id], problem)):
            totals[agent_id][i] += value
    found = []
    for line, members in load_groups(problem):
        weight = line_weight_seconds(problem, line)
        capacity = {a.id: capacity_seconds(problem, a) for a in members}
        spread = {}
        for i, measure in enumerate(MEASURES):
            loads = [
                (past_counts(problem, a)[i] + totals[a.id][i]) * (1 if i == 0 else weight) / capacity[a.id]
                for a in members
            ]
            spread[measure] = max(loads) - min(loads)
        found.append({"line": line, "floor": weight / min(capacity.values()), "spread": spread})
    return found


# Gaps: when places stay empty, spread them ------------------------------------------------------
#
# A shift is short when it has fewer agents than it requires. Two shifts of a line are adjacent
# when the second starts no later than the first ends: both short, they leave the line short
# for their hours together. The gaps level minimises the sum over adjacent short pairs of their
# combined hours, so one 24-hour gap (two adjacent 12-hour shifts) costs 24 and two 12-hour gaps
# a week apart cost nothing; a longer run costs more per hour than a shorter one.


def adjacent_shifts(shifts) -> list:
    """(first, second) pairs of shifts of the same line, second starting from first's start to its end."""
    by_line = defaultdict(list)
    for shift in shifts:
        by_line[shift.line].append(shift)
    pairs = []
    for line_shifts in by_line.values():
        line_shifts.sort(key=lambda s: (s.start, s.id))
        for i, first in enumerate(line_shifts):
            for second in line_shifts[i + 1 :]:
                if second.start > first.end:
                    break
                pairs.append((first, second))
    return pairs


def gaps(problem: Problem, assignments) -> dict:
    """How the short shifts lie: {"short": short shifts, "adjacent_hours": Σ combined hours of
    adjacent short pairs (the model's gaps level), "longest_hours": the longest time a line
    stays short without a break}."""
    pairs = [(a["shift"], a["agent"]) if isinstance(a, dict) else tuple(a) for a in assignments]
    count = defaultdict(int)
    for shift_id, _ in pairs:
        count[shift_id] += 1
    short = [s for s in problem.shifts if count[s.id] < s.required]
    adjacent = sum(a.seconds + b.seconds for a, b in adjacent_shifts(short)) / 3600
    longest = 0
    by_line = defaultdict(list)
    for shift in short:
        by_line[shift.line].append(shift)
    for line_shifts in by_line.values():
        line_shifts.sort(key=lambda s: (s.start, s.id))
        run_start, run_end = line_shifts[0].start, line_shifts[0].end
        for shift in line_shifts[1:]:
            if shift.start > run_end:
                longest = max(longest, (run_end - run_start).total_seconds())
                run_start = shift.start
            run_end = max(run_end, shift.end)
        longest = max(longest, (run_end - run_start).total_seconds())
    return {"short": len(short), "adjacent_hours": adjacent, "longest_hours": longest / 3600}


# Definitions of the optional, day-based rules ---------------------------------------------------
#
# Days are local dates; a shift belongs to the date it starts on (problem.date_of). The
# period is every date from the first shift's to the last shift's (problem.dates); history
# does not count for these rules.


def forbidden_succession(r: Rules, first: Shift, second: Shift, problem: Problem) -> bool:
    """Shift type `first` on one day followed by type `second` on the next."""
    return (first.type, second.type) in r.forbidden_successions and (
        problem.date_of[second.id] - problem.date_of[first.id] == ONE_DAY
    )


def may_work_type(r: Rules, shift: Shift) -> bool:
    return r.type_limit(shift.type) != 0


def run_patterns(r: Rules) -> list:
    """(rule, pattern) pairs: sequences of days that no agent's days may show anywhere inside
    the period, a day being worked (True), free (False) or either (None).

    The days before and after the period are unknown, as in the Curtois & Qu benchmark: a
    run of work or of rest touching either edge is never too short (the minimum's patterns
    begin and end with a day inside the period), and a run of work counts only its days
    inside the period against the maximum.

    A run of work shorter than k days is a free day, a worked day, then a free day again at
    most k - 1 days later: k - 1 patterns of three fixed days each, whatever lies between
    (and the same for runs of rest). The model turns each into a three-literal clause, far
    tighter than one clause per short run."""
    patterns = []
    if r.max_consecutive_days is not None:
        patterns.append((12, (True,) * (r.max_consecutive_days + 1)))
    for gap in range(1, r.min_consecutive_days or 1):
        patterns.append((12, (False, True) + (None,) * (gap - 1) + (False,)))
    for gap in range(1, r.min_consecutive_days_off or 1):
        patterns.append((13, (True, False) + (None,) * (gap - 1) + (True,)))
    return patterns


def occurrences(pattern: tuple, worked: list) -> list:
    """Offsets at which the pattern occurs in the list of worked days (None matches either)."""
    # As a regular expression over "1" and "0" (overlapping matches through a lookahead): the
    # checker runs this for every agent and empty place, on up to a year of days.
    wanted = "".join("." if want is None else "1" if want else "0" for want in pattern)
    days = "".join("1" if day else "0" for day in worked)
    return [match.start() for match in re.finditer(f"(?=({wanted}))", days)]


def weekends(dates: list) -> list:
    """The period's weekends as lists of their dates: a weekend is worked if any of them is."""
    found = defaultdict(list)
    for day in dates:
        if day.weekday() >= 5:
            found[day - datetime.timedelta(days=day.weekday())].append(day)
    return [found[monday] for monday in sorted(found)]


def period_limits_seconds(r: Rules) -> tuple:
    """(min, max) seconds worked in the period; None where there is no limit."""
    low = None if r.min_hours is None else round(r.min_hours * 3600)
    high = None if r.max_hours is None else round(r.max_hours * 3600)
    return low, high


def overtime_groups(problem: Problem, r: Rules) -> list:
    """[(limit seconds, label, [ISO weeks])]: the overtime ceilings and the weeks each covers.

    A week's overtime is its hours beyond the normal week (Monday 00:00 to Monday 00:00
    local); a week counts in the month and year of its Thursday, as ISO weeks do."""
    over = r.overtime
    if over is None or not problem.dates:
        return []
    tz = problem.timezone
    weeks = weeks_overlapping(local_midnight(problem.dates[0], tz), local_midnight(problem.dates[-1] + ONE_DAY, tz), tz)
    months, years = defaultdict(list), defaultdict(list)
    for week in weeks:
        thursday = local_date(week[0], tz) + datetime.timedelta(days=3)
        months[thursday.year, thursday.month].append(week)
        years[thursday.year].append(week)
    groups = []
    if over.per_month is not None:
        for (year, month), in_month in sorted(months.items()):
            groups.append((round(over.per_month * 3600), f"{year}-{month:02d}", in_month))
    if over.per_year is not None:
        for year, in_year in sorted(years.items()):
            groups.append((round(over.per_year * 3600), str(year), in_year))
    return groups


def normal_week_seconds(r: Rules) -> int:
    return round(r.overtime.normal_hours_per_week * 3600)


def request_shifts(problem: Problem, request, shifts) -> list:
    """Those of `shifts` a request is about: on its date, of its type (any type if none)."""
    return [
        s for s in shifts if problem.date_of[s.id] == request.date and (request.type is None or s.type == request.type)
    ]


def penalty(problem: Problem, assignments) -> dict:
    """The weighted penalty of a roster, as the Curtois & Qu benchmark counts it: the weights
    of the requests not granted (an on-request is granted when the agent works a shift it is
    about, an off-request when the agent works none) plus the weighted under- and over-cover
    of each shift (shifts without a weight add nothing)."""
    pairs = {(a["shift"], a["agent"]) if isinstance(a, dict) else tuple(a) for a in assignments}
    count = Counter(shift_id for shift_id, _ in pairs)
    under = sum((s.under_weight or 0) * max(0, s.required - count[s.id]) for s in problem.shifts)
    over = sum((s.over_weight or 0) * max(0, count[s.id] - s.required) for s in problem.shifts)
    # By agent and date: the search prices every roster it tries, and a year has a request a day.
    on_date = defaultdict(list)
    for shift_id, agent_id in pairs:
        if shift_id in problem.shift_by_id:
            on_date[agent_id, problem.date_of[shift_id]].append(problem.shift_by_id[shift_id])
    requests = sum(_requests_broken(problem, agent, on_date) for agent in problem.agents)
    return {"under": under, "over": over, "requests": requests, "total": under + over + requests}


def request_penalty(problem: Problem, agent, shift_ids) -> int:
    """The weights of `agent`'s requests that a schedule of these shifts does not grant."""
    on_date = defaultdict(list)
    for shift_id in shift_ids:
        on_date[agent.id, problem.date_of[shift_id]].append(problem.shift_by_id[shift_id])
    return _requests_broken(problem, agent, on_date)


def _requests_broken(problem: Problem, agent, on_date: dict) -> int:
    """`on_date`: shifts by (agent id, date)."""
    broken = 0
    for request in agent.requests:
        working = bool(request_shifts(problem, request, on_date.get((agent.id, request.date), ())))
        if working != request.on:
            broken += request.weight
    return broken


# The checker ------------------------------------------------------------------------------------


def check(problem: Problem, assignments, partial: bool = False) -> list[Violation]:
    """Every rule that these assignments break, given the problem's agents, shifts and history.

    `assignments` holds (shift id, agent id) pairs or {"shift", "agent"} objects. With
    `partial`, only the rules that more shifts cannot mend (MONOTONE_RULES) are checked.
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
        ceiling = problem.shift_by_id[shift_id].ceiling
        if count > ceiling:
            violations.append(
                Violation(7, None, (shift_id,), f"shift {shift_id} has {count} agents for {ceiling} places")
            )
    for shift_id, agent_id in problem.fixed:
        if (shift_id, agent_id) not in set(known):
            violations.append(
                Violation(7, agent_id, (shift_id,), f"fixed assignment of agent {agent_id} to {shift_id} is missing")
            )

    by_agent = shifts_by_agent(problem, dict.fromkeys(known))
    for agent in problem.agents:
        violations += agent_violations(problem, agent, by_agent.get(agent.id, []))
    if partial:
        violations = [v for v in violations if v.rule in MONOTONE_RULES]
    return violations


def shifts_by_agent(problem: Problem, pairs) -> dict:
    """{agent id: the shifts these (shift id, agent id) pairs give them}."""
    worked = defaultdict(list)
    for shift_id, agent_id in pairs:
        worked[agent_id].append(problem.shift_by_id[shift_id])
    return worked


def agent_violations(problem: Problem, agent: Agent, shifts: list, involving: str | None = None) -> list:
    """Rules 1–6 and 8–16 for one agent working these shifts (plus their history).

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
            if b_start >= a_end + min_rest:
                break  # in order of start: every later shift is far enough from this one too
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

    # Each shift's weeks once: an agent's year has over 50 weeks and hundreds of shifts.
    by_week = defaultdict(list)
    for s in shifts:
        for week in weeks_overlapping(s.start, s.end, tz):
            by_week[week].append(s)
    cap = cap_seconds(problem, agent)
    for week in sorted(by_week):
        in_week = by_week[week]
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
    for week in problem.weeks_inside_span:
        in_week = by_week.get(week)
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

    found += day_rule_violations(problem, agent, shifts)
    if involving is not None:
        found = [v for v in found if involving in v.shifts]
    return found


def day_rule_violations(problem: Problem, agent: Agent, shifts: list, r: Rules | None = None) -> list:
    """Rules 8–16, the optional day-based rules, for one agent working these shifts (with `r`,
    under those rules instead of the agent's)."""
    r = problem.rules_for(agent) if r is None else r
    found = []

    def broken(rule, shifts_involved, message):
        found.append(Violation(rule, agent.id, tuple(s.id for s in shifts_involved), f"agent {agent.id} {message}"))

    by_date = defaultdict(list)
    for s in shifts:
        by_date[problem.date_of[s.id]].append(s)
    days_off = set(agent.days_off)
    for day, on_day in sorted(by_date.items()):
        if r.max_shifts_per_day is not None and len(on_day) > r.max_shifts_per_day:
            broken(8, on_day, f"works {len(on_day)} shifts on {day}, more than {r.max_shifts_per_day}")
        if day in days_off:
            broken(15, on_day, f"works on {day}, a day off")
        for first in on_day:
            for second in by_date.get(day + ONE_DAY, []):
                if forbidden_succession(r, first, second, problem):
                    broken(9, (first, second), f"works a {second.type} shift on the day after a {first.type} shift")

    by_type = defaultdict(list)
    for s in shifts:
        by_type[s.type].append(s)
    for shift_type, of_type in by_type.items():
        limit = r.type_limit(shift_type)
        if limit is not None and len(of_type) > limit:
            broken(10, of_type, f"works {len(of_type)} {shift_type} shifts, more than {limit}")

    low, high = period_limits_seconds(r)
    worked_seconds = sum(s.seconds for s in shifts)
    if high is not None and worked_seconds > high:
        broken(11, shifts, f"works {worked_seconds / 3600:g} h in the period, more than {r.max_hours:g} h")
    if low is not None and worked_seconds < low:
        broken(11, shifts, f"works {worked_seconds / 3600:g} h in the period, less than {r.min_hours:g} h")

    worked = [day in by_date for day in problem.dates]
    for rule, pattern in run_patterns(r):
        for offset in occurrences(pattern, worked):
            days = problem.dates[offset : offset + len(pattern)]
            involved = [s for day in days for s in by_date.get(day, [])]
            if all(pattern):
                message = f"works {len(pattern)} days in a row from {days[0]}, more than {r.max_consecutive_days}"
            elif rule == 12:
                run = worked[offset + 1 :].index(False)
                message = f"works only {run} days in a row from {days[1]}, fewer than {r.min_consecutive_days}"
            else:
                run = worked[offset + 1 :].index(True)
                limit = r.min_consecutive_days_off
                message = f"has only {run} days off in a row from {days[1]}, fewer than {limit}"
            broken(rule, involved, message)

    if r.max_weekends is not None:
        worked_weekends = [days for days in weekends(problem.dates) if any(d in by_date for d in days)]
        if len(worked_weekends) > r.max_weekends:
            involved = [s for days in worked_weekends for d in days for s in by_date.get(d, [])]
            broken(14, involved, f"works {len(worked_weekends)} weekends, more than {r.max_weekends}")

    if r.overtime is not None:
        normal = normal_week_seconds(r)
        for limit, label, weeks in overtime_groups(problem, r):
            extra = 0
            involved = []
            for week in weeks:
                in_week = [s for s in shifts if overlap_seconds(s.start, s.end, *week)]
                extra += max(0, sum(overlap_seconds(s.start, s.end, *week) for s in in_week) - normal)
                involved += in_week
            if extra > limit:
                broken(16, involved, f"works {extra / 3600:g} h of overtime in {label}, more than {limit / 3600:g} h")
    return found


def monotone_day_rules(problem: Problem, agent: Agent) -> Rules | None:
    """The agent's rules 8–16 that more shifts can only break further (the minimums left out: a
    roster being built may still meet them), or None when none of them applies to the agent."""
    r = problem.rules_for(agent)
    limits = (r.max_shifts_per_day, r.max_consecutive_days, r.max_weekends, r.max_hours, r.overtime)
    if all(v is None for v in limits) and not (r.forbidden_successions or r.max_shifts_per_type or agent.days_off):
        return None
    return dataclasses.replace(r, min_hours=None, min_consecutive_days=None, min_consecutive_days_off=None)


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
