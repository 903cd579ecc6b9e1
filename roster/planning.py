"""
Turning the database into a problem for the roster engine (roster.solver), and back.

The draft roster's shifts are the problem's shifts; active agents of its lines are the
agents, with approved leave (and shifts they declined) as unavailable time; confirmed,
pinned and hand-made assignments are fixed; the rest of the draft is `current`, so a
rebuild keeps as much of it as it can. Live assignments of the same agents outside the
draft count too: those just before the period as `history`, those beside or after it as
fixed context shifts, so no rule breaks across the draft's edges or across lines.

Extra cover (Assignment.is_extra: a director's agent beyond a shift's headcount, for a
no-show) is work the agent did, not a place of the plan: it goes in as `history`, wherever it
lies, so it counts for rest and hours but is never a fixed assignment — a shift with more
agents than places would make every later build invalid.

The months before the draft (ROSTER_BALANCE_MONTHS) go in as each agent's `balance`: what
they worked in published rosters and the time they were not on leave, so the engine measures
fairness on those months and this one together (`worked`, also read by the hours report).
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Min, Prefetch
from django.utils import timezone

from hotline.models import Line
from roster import solver
from roster.models import DAY_TYPE, NIGHT_TYPE, Agent, Assignment, Leave, PublicHoliday, Roster, UnitRules, Wish
from roster.solver import clock

HISTORY_DAYS = 7
CONTEXT_DAYS = 2
CONTEXT_PREFIX = "context-"


@dataclass
class Plan:
    problem: solver.Problem
    shifts: dict  # problem shift id → Shift of the draft
    agents: dict  # problem agent id → Agent
    unkept_fixed: list = field(default_factory=list)  # hand-made assignments that break a rule
    roster: Roster | None = None  # the draft a build read, and its version then
    version: int = 0


def shift_type(start: datetime.datetime, end: datetime.datetime) -> str:
    """The type the engine's successions, per-type limits and wishes name: a shift with 3
    hours or more between 22:00 and 06:00 (clock.is_night) is a night shift, any other a day
    shift. Patterns carry no type of their own."""
    return NIGHT_TYPE if clock.is_night(start, end, timezone.get_current_timezone()) else DAY_TYPE


def local_midnight(day: datetime.date) -> datetime.datetime:
    """Where that day starts in the site's time zone."""
    return clock.local_midnight(day, timezone.get_current_timezone())


def plan_for(roster: Roster, *, time_limit_s: float = 10) -> Plan:
    lines = list(roster.lines.select_related("hotline").order_by("pk"))
    period_start = local_midnight(roster.start)
    period_end = local_midnight(roster.end + datetime.timedelta(days=1))
    draft_shifts = list(roster.shifts.select_related("line__hotline").order_by("start", "pk"))
    draft_assignments = list(
        Assignment.objects.filter(shift__roster=roster).select_related("agent").order_by("start", "pk")
    )
    agents = list(
        Agent.objects.filter(active=True, lines__in=lines)
        .distinct()
        .prefetch_related(Prefetch("lines", queryset=Line.objects.select_related("hotline")))
        .order_by("pk")
    )
    home = lines[0].hotline_id if lines else None

    def line_key(line):
        """The menu key the engine (and its reasons: "line 2") uses; lines of another hotline
        are told apart by its number."""
        return line.digit if line.hotline_id == home else f"{line.hotline.number}/{line.digit}"

    agent_ids = {a.pk for a in agents}
    window_start = period_start - datetime.timedelta(days=HISTORY_DAYS)
    window_end = period_end + datetime.timedelta(days=CONTEXT_DAYS)

    leave = Leave.objects.approved().filter(agent__in=agent_ids).overlapping(window_start, window_end)
    unavailable = {pk: [] for pk in agent_ids}
    for lv in leave:
        unavailable[lv.agent_id].append({"start": lv.start.isoformat(), "end": lv.end.isoformat()})
    for a in draft_assignments:
        if a.status == Assignment.Status.DECLINED and a.agent_id in agent_ids:
            unavailable[a.agent_id].append({"start": a.start.isoformat(), "end": a.end.isoformat()})

    shifts = {f"s{s.pk}": s for s in draft_shifts}
    extra_by_unit = UnitRules.extra_agents({line.unit_id for line in lines})
    extra = {line.pk: extra_by_unit[line.unit_id] for line in lines if line.unit_id in extra_by_unit}
    problem_shifts = [
        {
            "id": key,
            "line": line_key(s.line),
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "required": s.required,
            # The unit's extra agents, only where a minimum of hours needs them (docs/solver.md).
            **({"max": s.required + extra[s.line_id]} if s.line_id in extra else {}),
            "type": shift_type(s.start, s.end),
        }
        for key, s in shifts.items()
    ]

    # The same agents' live work outside this draft.
    outside = (
        Assignment.objects.filter(agent__in=agent_ids, is_live=True, start__lt=window_end, end__gt=window_start)
        .exclude(shift__roster=roster)
        .exclude(shift__line__in=lines, start__gte=period_start, start__lt=period_end)
        .order_by("start", "pk")
    )
    history, context_fixed, context_shifts = [], [], {}
    for a in outside:
        if a.end <= period_start or a.is_extra:
            history.append({"agent": f"a{a.agent_id}", "start": a.start.isoformat(), "end": a.end.isoformat()})
        else:
            key = f"{CONTEXT_PREFIX}{a.shift_id}"
            context = context_shifts.setdefault(
                key,
                {
                    "id": key,
                    "line": f"{CONTEXT_PREFIX}{a.shift_id}",
                    "start": a.start.isoformat(),
                    "end": a.end.isoformat(),
                    "required": 0,
                    "type": shift_type(a.start, a.end),
                },
            )
            context["required"] += 1
            context_fixed.append({"shift": key, "agent": f"a{a.agent_id}"})

    holding = [a for a in draft_assignments if a.status not in Assignment.NOT_HOLDING and a.agent_id in agent_ids]
    history += [
        {"agent": f"a{a.agent_id}", "start": a.start.isoformat(), "end": a.end.isoformat()}
        for a in holding
        if a.is_extra
    ]
    holding = [a for a in holding if not a.is_extra]
    fixed = [
        {"shift": f"s{a.shift_id}", "agent": f"a{a.agent_id}"}
        for a in holding
        if a.pinned
        or a.source == Assignment.Source.MANUAL
        or a.status in (Assignment.Status.CONFIRMED, Assignment.Status.CHECKED_IN)
    ]
    fixed_keys = {(f["shift"], f["agent"]) for f in fixed}
    current = [
        {"shift": f"s{a.shift_id}", "agent": f"a{a.agent_id}"}
        for a in holding
        if (f"s{a.shift_id}", f"a{a.agent_id}") not in fixed_keys
    ]

    # Seeded by the build (roster.services.roster_build_read), never here: rule checks read
    # plans on GET pages.
    holidays = PublicHoliday.objects.filter(date__range=(roster.start, roster.end))
    unit_rules = {
        r.unit_id: r.as_problem_rules() for r in UnitRules.objects.filter(unit__in={a.unit_id for a in agents})
    }
    requests = {pk: [] for pk in agent_ids}
    for wish in Wish.objects.filter(agent__in=agent_ids, date__range=(roster.start, roster.end)):
        requests[wish.agent_id].append(wish.as_request())

    data = {
        "timezone": str(timezone.get_current_timezone()),
        "shifts": problem_shifts + list(context_shifts.values()),
        "agents": [
            {
                "id": f"a{a.pk}",
                # Context shifts sit on a line of their own that only their agents answer.
                "lines": [line_key(line) for line in a.lines.all()]
                + [f["shift"] for f in context_fixed if f["agent"] == f"a{a.pk}"],
                "max_hours_per_week": a.max_hours_per_week,
                "unavailable": unavailable[a.pk],
                "requests": requests[a.pk],
                **({"rules": own} if (own := {**unit_rules.get(a.unit_id, {}), **a.own_rules()}) else {}),
            }
            for a in agents
        ],
        "fixed": fixed + context_fixed,
        "current": current,
        "history": history,
        "holidays": [h.date.isoformat() for h in holidays],
        "tet": [h.date.isoformat() for h in holidays if is_tet(h.name)],
        "balance": balance_for(roster, lines, agents),
        "time_limit_s": time_limit_s,
    }
    problem = solver.parse_problem(data)
    broken = broken_fixed(problem)
    if broken:
        data = release(data, broken)
        problem = solver.parse_problem(data)

    return Plan(
        problem=problem,
        shifts=shifts,
        agents={f"a{a.pk}": a for a in agents},
        unkept_fixed=sorted((shifts[s], a) for s, a in broken if s in shifts),
    )


# Across months: the balance -----------------------------------------------------------------


@dataclass
class Worked:
    """An agent's work over some days, counted as the engine counts it (roster.solver.rules):
    hours of whole shifts, night shifts (clock.is_night), weekend shifts (starting on a
    Saturday, Sunday or public holiday), holiday shifts and Tết shifts; and the hours of
    those days they were not on approved leave."""

    hours: float = 0.0
    available_hours: float = 0.0
    nights: int = 0
    weekends: int = 0
    holidays: int = 0
    tet: int = 0

    def capacity_hours(self, max_hours_per_week: int) -> float:
        """What the weekly cap allows in the available time: the engine's capacity."""
        return max_hours_per_week * self.available_hours / 168

    def load(self, max_hours_per_week: int) -> float | None:
        """Hours worked / capacity (1.0 = the cap's full share); None without capacity."""
        capacity = self.capacity_hours(max_hours_per_week)
        return self.hours / capacity if capacity else None

    def __add__(self, other):
        return Worked(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def balance_since(before: datetime.date, lines=None) -> datetime.date | None:
    """The first day the balance before that day looks back to: ROSTER_BALANCE_MONTHS
    earlier, but not before the first published roster (of these lines, when given) — months
    without a roster were not worked by anyone and would only dilute everyone's load. None
    when there is nothing to look back on."""
    months = settings.ROSTER_BALANCE_MONTHS
    if months <= 0:
        return None
    back = months_before(before, months)
    rosters = Roster.objects.filter(
        status__in=[Roster.Status.PUBLISHED, Roster.Status.SUPERSEDED], start__lt=before, end__gte=back
    )
    if lines is not None:
        rosters = rosters.filter(lines__in=lines)
    first = rosters.aggregate(first=Min("start"))["first"]
    return max(first, back) if first else None


def is_tet(holiday_name: str) -> bool:
    """A day of the lunar new year, as the holidays package (and admins) name them: "Tết
    Nguyên Đán", "Mùng hai Tết…", "29 Tết"; not the solar new year, "Tết Dương lịch"."""
    name = holiday_name.casefold()
    return ("tết" in name and "dương lịch" not in name) or "lunar new year" in name


def free_seconds(start: datetime.datetime, end: datetime.datetime, blocked: list) -> int:
    """Seconds of [start, end) outside every (start, end) of blocked."""
    free = int((end - start).total_seconds())
    reach = start
    for a, b in sorted(blocked):
        a, b = max(a, reach), min(b, end)
        if b > a:
            free -= int((b - a).total_seconds())
            reach = b
    return free


def worked(agent_ids, first: datetime.date, end: datetime.date) -> dict:
    """{agent id: Worked} over the local days first..end (end excluded), from the live
    assignments (published, held) lying wholly inside them. Three queries for all agents."""
    tz = timezone.get_current_timezone()
    start, stop = local_midnight(first), local_midnight(end)
    found = {pk: Worked() for pk in agent_ids}
    holidays = dict(PublicHoliday.objects.filter(date__gte=first, date__lt=end).values_list("date", "name"))
    tet = {day for day, name in holidays.items() if is_tet(name)}
    assignments = Assignment.objects.filter(
        agent_id__in=found, is_live=True, start__gte=start, end__lte=stop
    ).values_list("agent_id", "start", "end")
    for agent_id, shift_start, shift_end in assignments:
        row = found[agent_id]
        day = clock.local_date(shift_start, tz)
        row.hours += (shift_end - shift_start).total_seconds() / 3600
        row.nights += clock.is_night(shift_start, shift_end, tz)
        row.weekends += day.weekday() >= 5 or day in holidays
        row.holidays += day in holidays
        row.tet += day in tet
    blocked = {pk: [] for pk in found}
    leave = Leave.objects.approved().filter(agent_id__in=found).overlapping(start, stop)
    for agent_id, leave_start, leave_end in leave.values_list("agent_id", "start", "end"):
        blocked[agent_id].append((leave_start, leave_end))
    for pk, row in found.items():
        row.available_hours = free_seconds(start, stop, blocked[pk]) / 3600
    return found


def balance_for(roster: Roster, lines, agents) -> list:
    """The problem's `balance`: each agent's work in the months before the roster. An agent
    on leave all that time has no entry (no capacity to measure a load against)."""
    since = balance_since(roster.start, lines)
    if since is None:
        return []
    return [
        {"agent": f"a{pk}", **vars(row)}
        for pk, row in worked([a.pk for a in agents], since, roster.start).items()
        if row.available_hours > 0
    ]


def broken_fixed(problem: solver.Problem) -> set:
    """Fixed pairs involved in a broken rule: hand-made assignments gone wrong since, say
    because the agent went on leave."""
    fixed = set(problem.fixed)
    broken = set()
    # Partial: a minimum (hours, a run of work) the fixed pairs alone fall short of is no
    # reason to unfix them.
    for violation in solver.check(problem, problem.fixed, partial=True):
        for shift_id in violation.shifts:
            broken |= {p for p in fixed if p[0] == shift_id and violation.agent in (None, p[1])}
    return broken


def release(data: dict, broken: set) -> dict:
    """Unfix the broken pairs: a draft's own become `current` (kept only if they may be);
    work elsewhere becomes unavailable time, so the agent is still never double-booked."""
    agents = {a["id"]: a for a in data["agents"]}
    shifts = {s["id"]: s for s in data["shifts"]}
    for shift_id, agent_id in broken:
        if shift_id.startswith(CONTEXT_PREFIX):
            shift = shifts[shift_id]
            agents[agent_id]["unavailable"].append({"start": shift["start"], "end": shift["end"]})
            shift["required"] -= 1
        else:
            data["current"].append({"shift": shift_id, "agent": agent_id})
    data["fixed"] = [f for f in data["fixed"] if (f["shift"], f["agent"]) not in broken]
    return data
