"""
Missed-call alerts: a line that misses missed_alert_calls calls within missed_alert_minutes
tells its agents on duty and its unit's directors, once per window.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from hotline.models import CallRecord, Line
from roster.models import Assignment, MissedCallAlert, Notification
from roster.notifications.messages import agent_messages, director_email


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
