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
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from hotline.models import Line
from roster import solver
from roster.models import Agent, Assignment, Leave, PublicHoliday, Roster
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
    problem_shifts = [
        {
            "id": key,
            "line": line_key(s.line),
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "required": s.required,
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
            }
            for a in agents
        ],
        "fixed": fixed + context_fixed,
        "current": current,
        "history": history,
        "holidays": [h.date.isoformat() for h in holidays],
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


def broken_fixed(problem: solver.Problem) -> set:
    """Fixed pairs involved in a broken rule: hand-made assignments gone wrong since, say
    because the agent went on leave."""
    fixed = set(problem.fixed)
    broken = set()
    for violation in solver.check(problem, problem.fixed):
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
