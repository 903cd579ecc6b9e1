"""
Escalation: a shift under way without enough agents checked in.

CHECKIN_GRACE_MINUTES after a shift began, each required place without a checked-in agent
raises one escalation for the shift: an SMS to the agents who have not checked in, one to
qualified agents who are free and rested (can you take it?), and word to the unit's
directors. While no director takes it in hand, every ESCALATION_STEP_MINUTES it climbs one
unit up the tree (CDC → Sở Y tế) and reaches the hotline's operator.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.models import Unit
from roster.models import Agent, Assignment, Escalation, Leave, Notification, Shift
from roster.notifications.messages import director_email, sms_message
from roster.phones import normalize_phone
from roster.solver.problem import Rules

# The engine's rest rule (Labour Code Art. 110), not a second copy of it.
REST = datetime.timedelta(hours=Rules().min_rest_hours)
STANDBY_LIMIT = 10


def checked_in_count(path="assignments"):
    """Agents present on the shift: checked in and not gone early (Assignment.is_present)."""
    return Count(path, filter=Assignment.present_q(f"{path}__"))


def raise_escalations(now: datetime.datetime) -> list[Escalation]:
    grace = datetime.timedelta(minutes=settings.CHECKIN_GRACE_MINUTES)
    shifts = (
        Shift.objects.published()
        .filter(start__lte=now - grace, end__gt=now, escalation__isnull=True)
        .annotate(checked_in=checked_in_count())
        .filter(checked_in__lt=F("required"))
        .select_related("line__unit", "line__hotline")
    )
    raised = []
    for shift in shifts:
        with transaction.atomic():
            # One escalation per shift, even when two beat ticks race (OneToOne on shift).
            escalation, created = Escalation.objects.get_or_create(
                shift=shift,
                defaults={
                    "unit": shift.line.unit,
                    "missing": shift.required - shift.checked_in,
                    "opened_at": now,
                    "escalated_at": now,
                },
            )
            if created:
                Notification.objects.bulk_create(first_notifications(escalation, now), ignore_conflicts=True)
                raised.append(escalation)
    return raised


def first_notifications(escalation: Escalation, now) -> list[Notification]:
    shift = escalation.shift
    line = shift.line
    details = {
        "digit": line.digit,
        "hotline": line.hotline.number,
        "start": f"{timezone.localtime(shift.start):%H:%M}",
        "end": f"{timezone.localtime(shift.end):%H:%M}",
        "unit_phone": line.unit.phone or "",
    }
    rows = []
    absent = shift.assignments.exclude(status__in=[Assignment.Status.CHECKED_IN, *Assignment.NOT_HOLDING])
    for assignment in absent.select_related("agent"):
        agent = assignment.agent
        with translation.override(agent.language):
            body = (
                _(
                    "Truc Ban: your shift on line %(digit)s (%(hotline)s) began at %(start)s and you have not "
                    "checked in. Check in now or call your director."
                )
                % details
            )
        stem = f"escalation:{escalation.pk}:agent:{agent.pk}"
        rows.append(sms_message(agent.phone, stem=stem, kind=Notification.Kind.ESCALATION, body=body, agent=agent))
    for agent in standby_agents(shift, now):
        with translation.override(agent.language):
            body = (
                _(
                    "Truc Ban: line %(digit)s (%(hotline)s) needs an agent now until %(end)s. "
                    "Can you take it? Call your director %(unit_phone)s."
                )
                % details
            )
        stem = f"escalation:{escalation.pk}:standby:{agent.pk}"
        rows.append(sms_message(agent.phone, stem=stem, kind=Notification.Kind.ESCALATION, body=body, agent=agent))
    rows += director_rows(escalation, escalation.unit, level=0)
    return rows


def standby_agents(shift: Shift, now) -> list[Agent]:
    """Qualified agents who are free and rested: no leave, no live shift within 12 hours either side."""
    busy = Assignment.objects.filter(is_live=True, start__lt=shift.end + REST, end__gt=now - REST).exclude(
        status__in=Assignment.NOT_HOLDING
    )
    on_leave = Leave.objects.approved().overlapping(now, shift.end)
    return list(
        Agent.objects.filter(active=True, lines=shift.line)
        .exclude(pk__in=busy.values("agent_id"))
        .exclude(pk__in=on_leave.values("agent_id"))
        .order_by("full_name")[:STANDBY_LIMIT]
    )


def director_rows(escalation: Escalation, unit: Unit, level: int) -> list[Notification]:
    shift = escalation.shift
    line = shift.line
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Line %(digit)s of %(hotline)s is not staffed") % {
            "digit": line.digit,
            "hotline": line.hotline.number,
        }
        body = _(
            "The shift %(start)s–%(end)s on line %(digit)s (%(label)s) has %(missing)s agent(s) fewer checked in "
            "than it needs, %(grace)s minutes after it began. Open Trực Ban to take it in hand."
        ) % {
            "start": f"{timezone.localtime(shift.start):%H:%M}",
            "end": f"{timezone.localtime(shift.end):%H:%M %d/%m}",
            "digit": line.digit,
            "label": line.label,
            "missing": escalation.missing,
            "grace": settings.CHECKIN_GRACE_MINUTES,
        }
    rows = []
    for director in unit.directors.filter(is_active=True).exclude(email=""):
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
    stale = Escalation.objects.open().filter(acknowledged_at__isnull=True, escalated_at__lte=now - step)
    climbed = 0
    for escalation in stale.select_related("unit__parent", "shift__line__hotline__unit"):
        operator_unit = escalation.shift.line.hotline.unit
        targets = [u for u in (escalation.unit.parent, operator_unit) if u is not None]
        level = escalation.level + 1
        rows = [row for unit in dict.fromkeys(targets) for row in director_rows(escalation, unit, level)]
        with transaction.atomic():
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            escalation.level = level
            escalation.unit = escalation.unit.parent or operator_unit
            escalation.escalated_at = now
            escalation.save(update_fields=["level", "unit", "escalated_at"])
        climbed += 1
    return climbed


def resolve(now: datetime.datetime) -> int:
    """Escalations whose shift is staffed again, or over, are closed."""
    staffed_or_over = (
        Escalation.objects.open()
        .annotate(checked_in=checked_in_count("shift__assignments"))
        .filter(Q(shift__end__lte=now) | Q(checked_in__gte=F("shift__required")))
    )
    return Escalation.objects.filter(pk__in=list(staffed_or_over.values_list("pk", flat=True))).update(resolved_at=now)
