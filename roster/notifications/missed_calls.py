"""
Missed-call alerts: a line that misses missed_alert_calls calls within missed_alert_minutes
tells its agents on duty and its unit's directors, once per window.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from hotline.models import CallRecord, Line
from roster.models import Assignment, MissedCallAlert, Notification
from roster.notifications.escalation import reachable_directors
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
    alerting = {}
    for line in lines:
        window = datetime.timedelta(minutes=line.missed_alert_minutes)
        missed = sum(1 for started_at in recent_misses[line.pk] if started_at > now - window)
        if missed >= line.missed_alert_calls:
            alerting[line.pk] = missed
    if not alerting:
        return []
    with transaction.atomic():
        # Lock the alerting lines (FOR NO KEY UPDATE: calls and shifts may still be added to
        # them): of two beat ticks at once, the second sees the first one's alerts and raises
        # none for the same window.
        locked = list(Line.objects.select_for_update(no_key=True).filter(pk__in=alerting).order_by("pk"))
        last_alert = dict(
            MissedCallAlert.objects.filter(line__in=alerting, raised_at__gt=now - longest)
            .values("line_id")
            .annotate(last=Max("raised_at"))
            .values_list("line_id", "last")
        )
        by_pk = {line.pk: line for line in lines}
        new = []
        for line in (by_pk[locked_line.pk] for locked_line in locked):
            window = datetime.timedelta(minutes=line.missed_alert_minutes)
            if line.pk in last_alert and last_alert[line.pk] > now - window:
                continue
            minutes = line.missed_alert_minutes
            new.append(MissedCallAlert(line=line, raised_at=now, missed=alerting[line.pk], window_minutes=minutes))
        raised = MissedCallAlert.objects.bulk_create(new)
        Notification.objects.bulk_create(missed_call_rows(raised, now), ignore_conflicts=True)
    return raised


def missed_call_rows(alerts, now) -> list[Notification]:
    """The agents on duty on each alert's line, and its unit's directors (a fixed few queries
    for all the alerts)."""
    if not alerts:
        return []
    on_duty = defaultdict(list)
    for assignment in (
        Assignment.objects.filter(shift__line__in=[a.line for a in alerts], is_live=True, start__lte=now, end__gt=now)
        .exclude(status__in=Assignment.NOT_HOLDING)
        .select_related("agent", "shift")
    ):
        on_duty[assignment.shift.line_id].append(assignment)
    directors = reachable_directors([alert.line.unit for alert in alerts])
    rows = []
    for alert in alerts:
        line = alert.line
        details = {"missed": alert.missed, "minutes": alert.window_minutes, "digit": line.digit}
        for assignment in on_duty[line.pk]:
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
        for director in directors[line.unit_id]:
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
