"""Who is on duty now, and where a line's places are empty over a period: reads for the API and pages."""

import datetime
import itertools

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone

from hotline.models import Line
from roster.models import Assignment, Shift
from roster.planning import local_midnight

CONFIRMED = (Assignment.Status.CONFIRMED, Assignment.Status.CHECKED_IN)


def holding(shift):
    return [a for a in shift.assignments.all() if a.status not in Assignment.NOT_HOLDING]


def on_call(lines, now: datetime.datetime) -> list[dict]:
    """One entry per line: the published shift on now, its agents and whether it is staffed.

    Staffed means enough agents hold the shift and, once CHECKIN_GRACE_MINUTES have passed
    since it began, enough of them have checked in."""
    lines = list(lines)
    current = (
        Shift.objects.published()
        .at(now)
        .filter(line__in=lines)
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("agent")))
        .order_by("start", "pk")
    )
    by_line = {}
    for shift in current:
        by_line.setdefault(shift.line_id, []).append(shift)
    grace = datetime.timedelta(minutes=settings.CHECKIN_GRACE_MINUTES)
    entries = []
    for line in lines:
        shifts = by_line.get(line.pk, [])
        agents = [a for shift in shifts for a in shift.assignments_by_name() if a.status not in Assignment.NOT_HOLDING]
        required = line.required_at(now)
        checked_in = sum(1 for a in agents if a.is_present)
        started = min((s.start for s in shifts), default=now)
        staffed = len(agents) >= required and (now - started < grace or checked_in >= required)
        entries.append(
            {
                "hotline": line.hotline.number,
                "line": line.digit,
                "line_id": line.pk,
                "label": line.label,
                "unit": line.unit.name,
                "unit_phone": line.unit.phone,
                "shift": {"start": shifts[0].start, "end": max(s.end for s in shifts)} if shifts else None,
                "required": required,
                "agents": [
                    {
                        "name": a.agent.full_name,
                        "unit_id": a.agent.unit_id,
                        "phone": a.agent.phone,
                        "phone_display": a.agent.phone_display,
                        "checked_in": a.is_present,
                    }
                    for a in agents
                ],
                "staffed": staffed,
                # Enough agents hold the shift but too few have checked in (pages only).
                "awaiting_check_in": not staffed and 0 < required <= len(agents),
            }
        )
    return entries


def on_call_board(now: datetime.datetime) -> list[dict]:
    """on_call for every active line of every active hotline, computed at most once every
    ONCALL_CACHE_SECONDS and shared by all callers (each sees only their hotlines' part).

    A switchboard polls this all day; a check-in shows at once in the process that took it
    (forget_on_call) and within ONCALL_CACHE_SECONDS everywhere else."""
    seconds = settings.ONCALL_CACHE_SECONDS
    if seconds <= 0:
        return on_call(active_lines(), now)
    key = board_key(now)
    entries = cache.get(key)
    if entries is None:
        entries = on_call(active_lines(), now)
        cache.set(key, entries, seconds)
    return entries


def with_phones(entries: list[dict], rule) -> list[dict]:
    """The board as one viewer may see it: the phones policy.phone_rule hides are None.

    The board is shared by every caller, so it is copied, never changed."""
    return [
        {
            **entry,
            "agents": [
                agent
                if rule.shows(unit_id=agent["unit_id"], line_id=entry["line_id"])
                else {**agent, "phone": None, "phone_display": None}
                for agent in entry["agents"]
            ],
        }
        for entry in entries
    ]


def active_lines():
    return (
        Line.objects.filter(active=True, hotline__active=True)
        .select_related("hotline", "unit")
        .prefetch_related("staffing")
        .order_by("hotline__number", "digit")
    )


def board_key(now) -> str:
    # The time slot is part of the key, so a board is never read outside its own few seconds.
    return f"oncall-board:{int(now.timestamp()) // max(settings.ONCALL_CACHE_SECONDS, 1)}"


def forget_on_call(**kwargs) -> None:
    """Clear the shared board (connected to saves and deletes of assignments and shifts)."""
    cache.delete(board_key(timezone.now()))


def coverage(line, first: datetime.date, last: datetime.date) -> dict:
    """The line's published shifts from first to last (inclusive) and the gaps in them.

    A gap is a stretch where fewer agents hold a shift than are needed: the line's staffing
    requirement, or the shifts' own headcount where that is higher."""
    start, end = local_midnight(first), local_midnight(last + datetime.timedelta(days=1))
    shifts = list(
        Shift.objects.published()
        .overlapping(start, end)
        .filter(line=line)
        .prefetch_related("assignments")
        .order_by("start", "pk")
    )
    rows = []
    for shift in shifts:
        held = holding(shift)
        rows.append(
            {
                "id": shift.pk,
                "start": shift.start,
                "end": shift.end,
                "required": shift.required,
                "assigned": len(held),
                "confirmed": sum(1 for a in held if a.status in CONFIRMED),
            }
        )

    boundaries = {start, end}
    day = first
    tz = timezone.get_current_timezone()
    while day <= last:
        midnight = local_midnight(day)
        boundaries.add(midnight)
        for window in line.staffing.all():
            if window.weekday == day.weekday():
                boundaries.add(datetime.datetime.combine(day, window.start, tzinfo=tz))
                if window.end != datetime.time(0):
                    boundaries.add(datetime.datetime.combine(day, window.end, tzinfo=tz))
        day += datetime.timedelta(days=1)
    for shift in shifts:
        boundaries.update(moment for moment in (shift.start, shift.end) if start < moment < end)
    points = sorted(b for b in boundaries if start <= b <= end)

    gaps = []
    for left, right in itertools.pairwise(points):
        on = [s for s in shifts if s.start <= left < s.end]
        needed = max(line.required_at(left), sum(s.required for s in on))
        missing = needed - sum(len(holding(s)) for s in on)
        if missing > 0:
            if gaps and gaps[-1]["end"] == left and gaps[-1]["missing"] == missing:
                gaps[-1]["end"] = right
            else:
                gaps.append({"start": left, "end": right, "missing": missing})
    return {"shifts": rows, "gaps": gaps}
