"""
Roster changes and leave decisions, told to the agents they touch.

Every shift given to or taken from an agent in a published roster is a ShiftChange; once an
agent's changes settle (CHANGE_QUIET_MINUTES without a new one, or CHANGE_MAX_WAIT_MINUTES
after the first) they get one message listing them all. A decided leave is told at once.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from roster.models import Assignment, Notification, Shift, ShiftChange
from roster.notifications.messages import agent_messages

CHANGE_QUIET_MINUTES = 3
CHANGE_MAX_WAIT_MINUTES = 10


def holding(assignments):
    """Who holds what as (agent, line, start, end): comparable across rosters, whose shifts are other rows."""
    return {
        (a.agent_id, a.shift.line_id, a.start, a.end)
        for a in assignments.exclude(status__in=Assignment.NOT_HOLDING).select_related("shift")
    }


def record_publish(*, roster, replaced_shift_ids, now=None) -> int:
    """The shifts each agent gained or lost when this roster replaced the published one."""
    now = now or timezone.now()
    new = holding(Assignment.objects.filter(shift__roster=roster))
    old = holding(Assignment.objects.filter(shift__in=replaced_shift_ids))
    rows = [
        ShiftChange(agent_id=agent, line_id=line, start=start, end=end, change=change, created_at=now)
        for change, pairs in ((ShiftChange.Change.ADDED, new - old), (ShiftChange.Change.REMOVED, old - new))
        for agent, line, start, end in pairs
        if end > now
    ]
    ShiftChange.objects.bulk_create(rows)
    return len(rows)


def record_change(assignment: Assignment, change: str) -> ShiftChange:
    """One shift given to or taken from an agent in a published roster, to be told with the others."""
    return ShiftChange.objects.create(
        agent_id=assignment.agent_id,
        line_id=assignment.shift.line_id,
        start=assignment.start,
        end=assignment.end,
        change=change,
    )


def tell_changes(now: datetime.datetime) -> int:
    """One message per agent whose changes have settled; return how many agents were told."""
    settled = (
        ShiftChange.objects.filter(notified_at__isnull=True)
        .values("agent")
        .annotate(first=Min("created_at"), last=Max("created_at"))
        .filter(
            Q(last__lte=now - datetime.timedelta(minutes=CHANGE_QUIET_MINUTES))
            | Q(first__lte=now - datetime.timedelta(minutes=CHANGE_MAX_WAIT_MINUTES))
        )
    )
    agent_ids = [row["agent"] for row in settled]
    if not agent_ids:
        return 0
    with transaction.atomic():
        # SKIP LOCKED: two beat ticks never tell the same changes twice. All settled agents
        # at once, so a tick costs the same few queries however many agents are told.
        changes = list(
            ShiftChange.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(agent_id__in=agent_ids, notified_at__isnull=True)
            .select_related("agent", "line")
            .order_by("agent_id", "start", "pk")
        )
        if not changes:
            return 0
        ShiftChange.objects.filter(pk__in=[c.pk for c in changes]).update(notified_at=now)
        by_agent = defaultdict(list)
        for change in changes:
            by_agent[change.agent_id].append(change)
        rows = [row for agent_changes in by_agent.values() for row in change_notifications(agent_changes)]
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(by_agent)


def net_changes(changes):
    """A shift added and removed again within the batch is no change at all."""
    seen = defaultdict(list)
    for change in changes:
        seen[change.line_id, change.start, change.end].append(change)
    result = []
    for same_shift in seen.values():
        added = sum(1 for c in same_shift if c.change == ShiftChange.Change.ADDED)
        removed = len(same_shift) - added
        if added != removed:
            result.append(same_shift[-1])
    return sorted(result, key=lambda c: c.start)


def change_notifications(changes) -> list[Notification]:
    agent = changes[0].agent
    changes = net_changes(changes)
    if not changes:
        return []
    last_id = max(c.pk for c in changes)
    lines = []
    with translation.override(agent.language):
        for change in changes:
            sign = "+" if change.change == ShiftChange.Change.ADDED else "-"
            lines.append(
                f"{sign} {Shift.label_of(change.start, change.end)} "
                + _("line %(digit)s") % {"digit": change.line.digit}
            )
        intro = _("Truc Ban: your duty roster changed (+ new, - removed):")
        subject = _("Your duty roster changed")
    return agent_messages(
        agent,
        stem=f"changes:{agent.pk}:{last_id}",
        kind=Notification.Kind.CHANGES,
        subject=subject,
        body=intro + "\n\n" + "\n".join(lines),
        sms_body=f"{intro} {'; '.join(lines)}",
    )


def tell_leave_decision(leave) -> None:
    agent = leave.agent
    start, end = timezone.localtime(leave.start), timezone.localtime(leave.end)
    with translation.override(agent.language):
        if leave.status == leave.Status.APPROVED:
            subject = _("Your leave is approved")
            body = _("Truc Ban: your leave %(start)s-%(end)s is approved.")
        else:
            subject = _("Your leave is not approved")
            body = _("Truc Ban: your leave %(start)s-%(end)s is not approved. Please ask your director.")
        body = body % {"start": f"{start:%d/%m %H:%M}", "end": f"{end:%d/%m %H:%M}"}
    rows = agent_messages(
        agent, stem=f"leave:{leave.pk}:{leave.status}", kind=Notification.Kind.LEAVE, subject=subject, body=body
    )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
