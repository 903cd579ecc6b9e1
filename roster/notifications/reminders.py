"""
Shift reminders: REMINDER_LEAD_TIMES (or a unit's own lead times) before each shift, its
agent gets a reminder by each channel they chose; the outbox sends it unless the shift has
begun or is no longer theirs by then.
"""

import datetime
import re
from collections import defaultdict

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.models import Unit
from roster.models import ActionLink, Assignment, Notification
from roster.notifications.messages import sms_text

# Reminders are made this long before they are due, at most BATCH shifts' worth a beat tick.
LOOKAHEAD = datetime.timedelta(minutes=15)
BATCH = 1000


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
    A unit may set its own lead times; its agents follow those.

    One query per lead of each distinct lead-time setting (the site's, and each one units
    chose), however many units and hotlines share it. Each is a plain AND, so PostgreSQL
    checks "not made yet" with an anti-join on the assignment's reminders, not a scan of the
    whole outbox.

    A shift change of the whole country makes thousands of reminders due the same minute, more
    than one tick should make (each email is rendered). So rows are made up to LOOKAHEAD before
    they are due, at most BATCH a tick, soonest due first, and the outbox sends each at its
    due time (next_attempt_at): the peak is spread over the ticks before it."""
    overrides = dict(Unit.objects.exclude(reminder_lead_times="").values_list("pk", "reminder_lead_times"))
    units_by_text = defaultdict(list)
    for unit_id, text in overrides.items():
        units_by_text[text].append(unit_id)
    groups = [(lead_times(), ~Q(agent__unit__in=list(overrides)) if overrides else Q())]
    groups += [(lead_times(text), Q(agent__unit__in=unit_ids)) for text, unit_ids in units_by_text.items()]
    due = []
    for leads, units in groups:
        for index, lead in enumerate(leads):
            shorter = leads[index + 1] if index + 1 < len(leads) else datetime.timedelta(0)
            made = Notification.objects.filter(
                assignment=OuterRef("pk"), kind=Notification.Kind.REMINDER, key__contains=f":{lead_label(lead)}:"
            )
            window = Q(start__gt=now + shorter, start__lte=now + LOOKAHEAD + lead)
            found = (
                Assignment.objects.filter(units, window, is_live=True)
                .exclude(status__in=Assignment.NOT_HOLDING)
                .filter(~Exists(made))
                .select_related("agent", "shift__line__hotline")
                .order_by("start", "pk")[:BATCH]
            )
            due += [(assignment.start - lead, assignment.pk, lead, assignment) for assignment in found]
    due = sorted(due, key=lambda item: item[:2])[:BATCH]
    links = reminder_links(list({assignment.pk: assignment for *_due, assignment in due}.values()))
    rows = []
    for due_at, _pk, lead, assignment in due:
        made = reminder_rows(assignment, lead, links[assignment.agent_id, assignment.shift_id])
        for row in made:
            # Sent at its due time, or at once when that has passed (the beat tick that made it
            # dispatches it). Dated then too, as when rows were made at their due time: the
            # outbox's age (/metrics) and the notification log read created_at.
            row.created_at = row.next_attempt_at = max(now, due_at)
        rows += made
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def reminder_links(assignments) -> dict:
    """The link each reminder carries: confirm, check in, or say one cannot come."""
    actions = [ActionLink.Action.CONFIRM, ActionLink.Action.CHECK_IN, ActionLink.Action.DECLINE]
    return ActionLink.for_shifts([(a.agent, a.shift, actions, a) for a in assignments])


def reminder_rows(assignment: Assignment, lead: datetime.timedelta, link=None) -> list[Notification]:
    agent = assignment.agent
    line = assignment.shift.line
    start = timezone.localtime(assignment.start)
    end = timezone.localtime(assignment.end)
    link = link or reminder_links([assignment])[agent.pk, assignment.shift_id]
    context = {"agent": agent, "line": line, "start": start, "end": end, "assignment": assignment, "link": link.url}
    rows = []
    with translation.override(agent.language):
        text = _(
            "Truc Ban: your shift on line %(digit)s (%(hotline)s) is %(start)s-%(end)s on %(day)s. "
            "Confirm or say you cannot come:"
        ) % {
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
                row.to, row.body = agent.phone, sms_text(text, link.url)
            else:
                row.to, row.subject = agent.email, subject
                row.body = render_to_string("roster/email/reminder.txt", context)
                row.html_body = render_to_string("roster/email/reminder.html", context)
            rows.append(row)
    return rows
