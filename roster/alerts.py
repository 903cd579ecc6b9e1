"""
Telling people what changed and where places are empty.

- Roster changes: every shift given to or taken from an agent in a published roster is a
  ShiftChange; once an agent's changes settle (CHANGE_QUIET_MINUTES without a new one, or
  CHANGE_MAX_WAIT_MINUTES after the first) they get one message listing them all.
- Gap alerts: every day at 16:00, and right after a change leaves a place empty within the
  next 48 hours, each director gets the unfilled places of their lines for the next 7 days.
"""

import datetime
import hashlib
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hotline.models import CallRecord, Line
from roster import policy, sms
from roster.models import Assignment, MissedCallAlert, Notification, Shift, ShiftChange

CHANGE_QUIET_MINUTES = 3
CHANGE_MAX_WAIT_MINUTES = 10
GAP_DAYS = 7
URGENT_GAP_HOURS = 48


# Messages ---------------------------------------------------------------------------------------


def agent_messages(agent, *, stem, kind, subject, body, sms_body=None, assignment=None) -> list[Notification]:
    """One message per channel the agent chose (Agent.channels), keyed `{stem}:{channel}`;
    the SMS is `sms_body` (else `body`) fitted to one segment."""
    rows = []
    for channel in agent.channels():
        by_sms = channel == Notification.Channel.SMS
        rows.append(
            Notification(
                key=f"{stem}:{channel}",
                kind=kind,
                channel=channel,
                agent=agent,
                assignment=assignment,
                to=agent.phone if by_sms else agent.email,
                subject=subject,
                body=sms.fit_segment(sms_body or body) if by_sms else body,
            )
        )
    return rows


def director_email(director, *, key, kind, subject, body) -> Notification:
    return Notification(
        key=key,
        kind=kind,
        channel=Notification.Channel.EMAIL,
        user=director,
        to=director.email,
        subject=subject,
        body=body,
    )


# Roster changes ------------------------------------------------------------------------------


def holding(assignments):
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
    told = 0
    for agent_id in [row["agent"] for row in settled]:
        with transaction.atomic():
            # SKIP LOCKED: two beat ticks never tell the same changes twice.
            changes = list(
                ShiftChange.objects.select_for_update(skip_locked=True)
                .filter(agent_id=agent_id, notified_at__isnull=True)
                .select_related("agent", "line")
                .order_by("start", "pk")
            )
            if not changes:
                continue
            ShiftChange.objects.filter(pk__in=[c.pk for c in changes]).update(notified_at=now)
            Notification.objects.bulk_create(change_notifications(changes), ignore_conflicts=True)
            told += 1
    return told


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
            start, end = timezone.localtime(change.start), timezone.localtime(change.end)
            sign = "+" if change.change == ShiftChange.Change.ADDED else "-"
            lines.append(
                f"{sign} {start:%d/%m %H:%M}-{end:%H:%M} " + _("line %(digit)s") % {"digit": change.line.digit}
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


# Gap alerts -------------------------------------------------------------------------------------


def unfilled_shifts(lines, start, end):
    return list(
        Shift.objects.published()
        .filter(line__in=lines, end__gt=start, start__lt=end)
        .annotate(holding=Count("assignments", filter=~Q(assignments__status__in=Assignment.NOT_HOLDING)))
        .filter(holding__lt=F("required"))
        .select_related("line__hotline")
        .order_by("start", "line")
    )


def alert_gaps(now: datetime.datetime, *, lines=None, urgent_only=False) -> int:
    """Email each director the unfilled places of their lines for the next 7 days.

    The daily alert goes once a day; an urgent one (a change left a place empty within 48
    hours) goes once for each new set of gaps. Returns how many emails were queued."""
    rows = []
    directors = (
        get_user_model().objects.filter(is_active=True, directed_units__isnull=False).exclude(email="").distinct()
    )
    for director in directors:
        managed = policy.managed_lines(director)
        if lines is not None:
            managed = managed.filter(pk__in=[line.pk for line in lines])
        gaps = unfilled_shifts(managed, now, now + datetime.timedelta(days=GAP_DAYS))
        if urgent_only and not any(s.start < now + datetime.timedelta(hours=URGENT_GAP_HOURS) for s in gaps):
            continue
        if not gaps:
            continue
        if urgent_only:
            signature = hashlib.sha1(",".join(f"{s.pk}:{s.holding}" for s in gaps).encode()).hexdigest()[:16]
            key = f"gaps:urgent:{signature}:{director.pk}:email"
        else:
            key = f"gaps:daily:{timezone.localdate(now)}:{director.pk}:email"
        rows.append(gap_email(director, gaps, key))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def gap_email(director, gaps, key) -> Notification:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(count)s unfilled places in the next %(days)s days") % {
            "count": sum(s.required - s.holding for s in gaps),
            "days": GAP_DAYS,
        }
        lines = [
            f"{date_format(timezone.localtime(s.start), 'D d/m H:i')}–{timezone.localtime(s.end):%H:%M}  "
            + _("line %(digit)s (%(hotline)s): %(missing)s missing")
            % {"digit": s.line.digit, "hotline": s.line.hotline.number, "missing": s.required - s.holding}
            for s in gaps
        ]
    return director_email(director, key=key, kind=Notification.Kind.GAPS, subject=subject, body="\n".join(lines))


def record_change(assignment: Assignment, change: str) -> ShiftChange:
    """One shift given to or taken from an agent in a published roster, to be told with the others."""
    return ShiftChange.objects.create(
        agent_id=assignment.agent_id,
        line_id=assignment.shift.line_id,
        start=assignment.start,
        end=assignment.end,
        change=change,
    )


# Missed calls ------------------------------------------------------------------------------------


def alert_missed_calls(now: datetime.datetime) -> list:
    """Lines that missed at least missed_alert_calls calls in the last missed_alert_minutes:
    tell the agents on duty and the unit's directors, once per window and line."""
    lines = list(Line.objects.filter(active=True, hotline__active=True).select_related("hotline", "unit"))
    if not lines:
        return []
    # One query for every line: the missed calls of the longest window, counted per line below.
    longest = datetime.timedelta(minutes=max(line.missed_alert_minutes for line in lines))
    recent_misses = defaultdict(list)
    for line_id, started_at in (
        CallRecord.objects.missed()
        .filter(line__in=lines, started_at__gt=now - longest, started_at__lte=now)
        .values_list("line_id", "started_at")
    ):
        recent_misses[line_id].append(started_at)
    raised = []
    for line in lines:
        window = datetime.timedelta(minutes=line.missed_alert_minutes)
        missed = sum(1 for started_at in recent_misses[line.pk] if started_at > now - window)
        if missed < line.missed_alert_calls:
            continue
        with transaction.atomic():
            # Lock the line's alerts: two beat ticks must not both raise one for the same window.
            recent = MissedCallAlert.objects.select_for_update().filter(line=line, raised_at__gt=now - window)
            if recent.exists():
                continue
            alert = MissedCallAlert.objects.create(
                line=line, raised_at=now, missed=missed, window_minutes=line.missed_alert_minutes
            )
            Notification.objects.bulk_create(missed_call_rows(alert, now), ignore_conflicts=True)
        raised.append(alert)
    return raised


def missed_call_rows(alert, now) -> list[Notification]:
    line = alert.line
    details = {"missed": alert.missed, "minutes": alert.window_minutes, "digit": line.digit}
    rows = []
    on_duty = (
        Assignment.objects.filter(shift__line=line, is_live=True, start__lte=now, end__gt=now)
        .exclude(status__in=Assignment.NOT_HOLDING)
        .select_related("agent")
    )
    for assignment in on_duty:
        agent = assignment.agent
        with translation.override(agent.language):
            body = _("Truc Ban: line %(digit)s missed %(missed)s calls in %(minutes)s minutes. Please answer.")
            body %= details
            subject = _("Missed calls on line %(digit)s") % details
        rows += agent_messages(
            agent,
            stem=f"missed:{alert.pk}:agent:{agent.pk}",
            kind=Notification.Kind.MISSED_CALLS,
            subject=subject,
            body=body,
            assignment=assignment,
        )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Missed calls on line %(digit)s") % details
        body = _(
            "Line %(digit)s (%(label)s, %(hotline)s) missed %(missed)s calls in the last %(minutes)s minutes. "
            "Open Trực Ban to see who is on duty."
        ) % {**details, "label": line.label, "hotline": line.hotline.number}
    for director in line.unit.directors.filter(is_active=True).exclude(email=""):
        rows.append(
            director_email(
                director,
                key=f"missed:{alert.pk}:director:{director.pk}:email",
                kind=Notification.Kind.MISSED_CALLS,
                subject=subject,
                body=body,
            )
        )
    return rows
