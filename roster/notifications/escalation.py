"""
Escalation: a shift under way without enough agents checked in.

CHECKIN_GRACE_MINUTES after a shift began, each required place without a checked-in agent
raises one escalation for the shift: an SMS to the agents who have not checked in, one to
qualified agents who are free and rested (can you take it?), and word to the unit's
directors. While no director takes it in hand, every ESCALATION_STEP_MINUTES it climbs one
unit up the tree (CDC → Sở Y tế) and reaches the hotline's operator.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.models import Unit
from roster.models import ActionLink, Agent, Assignment, Escalation, Leave, Notification, Shift
from roster.names import name_key
from roster.notifications.messages import director_email, sms_message
from roster.phones import normalize_phone
from roster.solver.problem import Rules

# The engine's rest rule (Labour Code Art. 110), not a second copy of it.
REST = datetime.timedelta(hours=Rules().min_rest_hours)
STANDBY_LIMIT = 10


def checked_in_count(path="assignments"):
    """Agents present on the shift: checked in and not gone early (Assignment.is_present)."""
    return Count(path, filter=Assignment.present_q(f"{path}__"))


def raise_escalations(now: datetime.datetime, *, lines=None) -> list[Escalation]:
    """`lines`: only the shifts of these lines, without waiting for the check-in grace (the
    switchboard saw a caller waiting with nobody to answer)."""
    grace = datetime.timedelta(minutes=settings.CHECKIN_GRACE_MINUTES)
    under_way = Shift.objects.published().filter(start__lte=now - grace if lines is None else now)
    if lines is not None:
        under_way = under_way.filter(line__in=lines)
    shifts = list(
        under_way.filter(end__gt=now, escalation__isnull=True)
        .annotate(checked_in=checked_in_count())
        .filter(checked_in__lt=F("required"))
        .select_related("line__unit", "line__hotline")
    )
    if not shifts:
        return []
    by_pk = {shift.pk: shift for shift in shifts}
    with transaction.atomic():
        # One escalation per shift, even when two beat ticks race (OneToOne on shift): the
        # insert skips the shifts another tick escalated first, and only this tick's rows
        # (opened now) are read back. All shifts at once, so a tick costs the same handful of
        # queries however many hotlines it escalates.
        Escalation.objects.bulk_create(
            [
                Escalation(
                    shift=shift,
                    unit=shift.line.unit,
                    missing=shift.required - shift.checked_in,
                    opened_at=now,
                    escalated_at=now,
                )
                for shift in shifts
            ],
            ignore_conflicts=True,
        )
        raised = list(Escalation.objects.filter(shift__in=shifts, opened_at=now).order_by("pk"))
        for escalation in raised:
            escalation.shift = by_pk[escalation.shift_id]
            escalation.unit = escalation.shift.line.unit
        Notification.objects.bulk_create(first_notifications(raised, now), ignore_conflicts=True)
    return raised


def first_notifications(escalations: list[Escalation], now) -> list[Notification]:
    """The first word of each escalation: its absent agents, agents on standby, the unit's directors."""
    if not escalations:
        return []
    shifts = [escalation.shift for escalation in escalations]
    absent = defaultdict(list)
    for assignment in (
        Assignment.objects.filter(shift__in=shifts)
        .exclude(status__in=[Assignment.Status.CHECKED_IN, *Assignment.NOT_HOLDING])
        .select_related("agent")
    ):
        absent[assignment.shift_id].append(assignment)
    standby = standby_agents(shifts, now)
    Action = ActionLink.Action
    links = ActionLink.for_shifts(
        [(a.agent, shift, [Action.CHECK_IN, Action.DECLINE], a) for shift in shifts for a in absent[shift.pk]]
        + [(agent, shift, [Action.TAKE], None) for shift in shifts for agent in standby[shift.pk]]
    )
    directors = reachable_directors([escalation.unit for escalation in escalations])
    rows = []
    for escalation in escalations:
        shift = escalation.shift
        line = shift.line
        details = {
            "digit": line.digit,
            "hotline": line.hotline.number,
            "start": f"{timezone.localtime(shift.start):%H:%M}",
            "end": f"{timezone.localtime(shift.end):%H:%M}",
        }
        for assignment in absent[shift.pk]:
            agent = assignment.agent
            with translation.override(agent.language):
                body = (
                    _(
                        "Truc Ban: your shift on line %(digit)s (%(hotline)s) began at %(start)s and you have not "
                        "checked in. Check in or say you cannot come:"
                    )
                    % details
                )
            stem = f"escalation:{escalation.pk}:agent:{agent.pk}"
            link = links[agent.pk, shift.pk].url
            rows.append(
                sms_message(
                    agent.phone, stem=stem, kind=Notification.Kind.ESCALATION, body=body, agent=agent, link=link
                )
            )
        for agent in standby[shift.pk]:
            with translation.override(agent.language):
                body = _("Truc Ban: line %(digit)s (%(hotline)s) needs an agent now until %(end)s. Can you take it?")
                body %= details
            stem = f"escalation:{escalation.pk}:standby:{agent.pk}"
            link = links[agent.pk, shift.pk].url
            rows.append(
                sms_message(
                    agent.phone, stem=stem, kind=Notification.Kind.ESCALATION, body=body, agent=agent, link=link
                )
            )
        rows += director_rows(escalation, escalation.unit, 0, directors[escalation.unit.pk])
    return rows


def standby_agents(shifts: list[Shift], now) -> dict[int, list[Agent]]:
    """For each shift, qualified agents who are free and rested: no leave, no live shift within
    12 hours either side; at most STANDBY_LIMIT, by name.

    Three queries for all the shifts (their lines' agents, those agents' shifts and leave),
    sorted out here, rather than three a shift."""
    latest_end = max(shift.end for shift in shifts)
    qualified = defaultdict(list)
    links = Agent.lines.through.objects.filter(
        line__in={shift.line_id for shift in shifts}, agent__active=True
    ).select_related("agent")
    for link in sorted(links, key=lambda link: (name_key(link.agent.full_name), link.agent_id)):
        qualified[link.line_id].append(link.agent)
    candidates = Agent.lines.through.objects.filter(line__in={shift.line_id for shift in shifts}).values("agent_id")
    busy_starts = defaultdict(list)
    for agent_id, start in (
        Assignment.objects.filter(agent__in=candidates, is_live=True, start__lt=latest_end + REST, end__gt=now - REST)
        .exclude(status__in=Assignment.NOT_HOLDING)
        .values_list("agent_id", "start")
    ):
        busy_starts[agent_id].append(start)
    leave_starts = defaultdict(list)
    on_leave = Leave.objects.approved().overlapping(now, latest_end).filter(agent__in=candidates)
    for agent_id, start in on_leave.values_list("agent_id", "start"):
        leave_starts[agent_id].append(start)
    result = {}
    for shift in shifts:
        free = [
            agent
            for agent in qualified[shift.line_id]
            if not any(start < shift.end + REST for start in busy_starts[agent.pk])
            and not any(start < shift.end for start in leave_starts[agent.pk])
        ]
        result[shift.pk] = free[:STANDBY_LIMIT]
    return result


def reachable_directors(units) -> dict[int, list]:
    """Each unit's active directors with an email address, for all the units in one query."""
    found = defaultdict(list)
    links = (
        Unit.directors.through.objects.filter(unit__in={unit.pk for unit in units}, user__is_active=True)
        .exclude(user__email="")
        .select_related("user__agent")  # named in the mail (person_name)
        .order_by("user_id")
    )
    for link in links:
        found[link.unit_id].append(link.user)
    return found


def director_rows(escalation: Escalation, unit: Unit, level: int, directors) -> list[Notification]:
    """Word of the escalation to the unit's `directors` (reachable_directors) and its duty phone."""
    shift = escalation.shift
    line = shift.line
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Line %(digit)s of %(hotline)s is not staffed") % {
            "digit": line.digit,
            "hotline": line.hotline.number,
        }
        # Raised by the beat after the check-in grace, or at once by the switchboard when a
        # caller waited with nobody to answer: say when, not how long the grace is.
        body = _(
            "The shift %(shift)s on line %(digit)s (%(label)s) had %(missing)s agent(s) fewer checked in "
            "than it needs at %(at)s, %(after)s minutes after it began. Open Trực Ban to take it in hand."
        ) % {
            "shift": shift.label,
            "digit": line.digit,
            "label": line.label,
            "missing": escalation.missing,
            "at": f"{timezone.localtime(escalation.opened_at):%H:%M}",
            "after": max(0, int((escalation.opened_at - shift.start).total_seconds() // 60)),
        }
    rows = []
    for director in directors:
        rows.append(
            director_email(
                director,
                key=f"escalation:{escalation.pk}:level{level}:director:{director.pk}:email",
                kind=Notification.Kind.ESCALATION,
                subject=subject,
                body=body,
            )
        )
    phone = unit_mobile(unit)
    if phone:
        rows.append(
            sms_message(
                phone,
                stem=f"escalation:{escalation.pk}:level{level}:unit:{unit.pk}",
                kind=Notification.Kind.ESCALATION,
                body=f"Truc Ban: {subject}. {body}",
            )
        )
    return rows


def unit_mobile(unit: Unit) -> str | None:
    """The unit's contact phone in E.164, if it is one an SMS can reach."""
    if not unit.phone:
        return None
    try:
        return normalize_phone(unit.phone)
    except ValidationError:
        return None


def climb(now: datetime.datetime) -> int:
    """Open escalations nobody took in hand go one unit up, and to the hotline's operator."""
    step = datetime.timedelta(minutes=settings.ESCALATION_STEP_MINUTES)
    with transaction.atomic():
        # SKIP LOCKED: of two beat ticks at once, only one climbs each escalation.
        stale = list(
            Escalation.objects.open()
            .filter(acknowledged_at__isnull=True, escalated_at__lte=now - step)
            .select_related("unit__parent", "shift__line__hotline__unit")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
        )
        if not stale:
            return 0
        targets = {
            escalation.pk: list(
                dict.fromkeys(u for u in (escalation.unit.parent, escalation.shift.line.hotline.unit) if u is not None)
            )
            for escalation in stale
        }
        directors = reachable_directors([unit for units in targets.values() for unit in units])
        rows = []
        for escalation in stale:
            level = escalation.level + 1
            for unit in targets[escalation.pk]:
                rows += director_rows(escalation, unit, level, directors[unit.pk])
            escalation.level = level
            escalation.unit = escalation.unit.parent or escalation.shift.line.hotline.unit
            escalation.escalated_at = now
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        Escalation.objects.bulk_update(stale, ["level", "unit", "escalated_at"])
    return len(stale)


def resolve(now: datetime.datetime, *, shifts=None) -> int:
    """Escalations whose shift is staffed again, or over, are closed; with `shifts`, only
    theirs (a check-in asks about its own shift, not every open escalation of the country)."""
    open_escalations = Escalation.objects.open()
    if shifts is not None:
        open_escalations = open_escalations.filter(shift__in=shifts)
    staffed_or_over = open_escalations.annotate(checked_in=checked_in_count("shift__assignments")).filter(
        Q(shift__end__lte=now) | Q(checked_in__gte=F("shift__required"))
    )
    return Escalation.objects.filter(pk__in=list(staffed_or_over.values_list("pk", flat=True))).update(resolved_at=now)
