"""
Shift reminders: REMINDER_LEAD_TIMES (or a unit's own lead times) before each shift, its
agent gets a reminder by each channel they chose; the outbox sends it unless the shift has
begun or is no longer theirs by then.
"""

import datetime
import re

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.models import Unit
from roster.models import Assignment, Notification
from roster.notifications.gateways.base import fit_segment


def lead_times(text: str | None = None) -> list[datetime.timedelta]:
    """Lead times such as "24h,1h", "90m" or "2d" (REMINDER_LEAD_TIMES by default), longest first."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    leads = []
    for part in (text or settings.REMINDER_LEAD_TIMES).split(","):
        match = re.fullmatch(r"\s*(\d+)\s*([dhm])\s*", part)
        if not match:
            raise ValueError(f"REMINDER_LEAD_TIMES: {part!r} is not like 24h, 90m or 2d")
        leads.append(datetime.timedelta(**{units[match[2]]: int(match[1])}))
    return sorted(set(leads), reverse=True)


def lead_label(lead: datetime.timedelta) -> str:
    minutes = int(lead.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def create_due_reminders(now: datetime.datetime) -> int:
    """Outbox rows for every reminder now due; return how many were new.

    A reminder is due when the shift starts within its lead time but not yet within the
    next shorter one, so an agent added late gets the reminder that fits, not all of them.
    A unit may set its own lead times; its agents follow those."""
    overrides = dict(Unit.objects.exclude(reminder_lead_times="").values_list("pk", "reminder_lead_times"))
    groups = [(lead_times(), Q(agent__unit__in=list(overrides)), True)]
    for unit_id, text in overrides.items():
        groups.append((lead_times(text), Q(agent__unit=unit_id), False))
    rows = []
    for leads, units, exclude in groups:
        for index, lead in enumerate(leads):
            shorter = leads[index + 1] if index + 1 < len(leads) else datetime.timedelta(0)
            made = Notification.objects.filter(
                assignment=OuterRef("pk"), kind=Notification.Kind.REMINDER, key__contains=f":{lead_label(lead)}:"
            )
            assignments = (
                Assignment.objects.filter(is_live=True, start__gt=now + shorter, start__lte=now + lead)
                .exclude(status__in=Assignment.NOT_HOLDING)
                .exclude(Exists(made))
                .select_related("agent", "shift__line__hotline")
            )
            assignments = assignments.exclude(units) if exclude else assignments.filter(units)
            for assignment in assignments:
                rows += reminder_rows(assignment, lead)
    for row in rows:
        # Due at once: the same beat tick dispatches them.
        row.created_at = row.next_attempt_at = now
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def reminder_rows(assignment: Assignment, lead: datetime.timedelta) -> list[Notification]:
    agent = assignment.agent
    line = assignment.shift.line
    start = timezone.localtime(assignment.start)
    end = timezone.localtime(assignment.end)
    context = {"agent": agent, "line": line, "start": start, "end": end, "assignment": assignment}
    rows = []
    with translation.override(agent.language):
        text = _("Truc Ban: your shift on line %(digit)s (%(hotline)s) is %(start)s-%(end)s on %(day)s.") % {
            "digit": line.digit,
            "hotline": line.hotline.number,
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "day": f"{start:%d/%m}",
        }
        subject = _("Shift reminder: line %(digit)s, %(day)s %(start)s") % {
            "digit": line.digit,
            "day": f"{start:%d/%m}",
            "start": f"{start:%H:%M}",
        }
        for channel in agent.channels():
            row = Notification(
                key=f"reminder:{assignment.pk}:{lead_label(lead)}:{channel}",
                kind=Notification.Kind.REMINDER,
                channel=channel,
                agent=agent,
                assignment=assignment,
            )
            if channel == Notification.Channel.SMS:
                row.to, row.body = agent.phone, fit_segment(text)
            else:
                row.to, row.subject = agent.email, subject
                row.body = render_to_string("roster/email/reminder.txt", context)
                row.html_body = render_to_string("roster/email/reminder.html", context)
            rows.append(row)
    return rows
