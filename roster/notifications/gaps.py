"""
Gap alerts: every day at 16:00, and right after a change leaves a place empty within the
next 48 hours, each director gets the unfilled places of their lines for the next 7 days.
"""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from roster import policy
from roster.models import Assignment, Notification, Shift
from roster.notifications.messages import director_email

GAP_DAYS = 7
URGENT_GAP_HOURS = 48


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
    hours) goes once for each new set of gaps. Returns how many emails were queued.

    The gaps of every line are read once and shared out among the directors, so the daily
    alert of a national install costs the same few queries as that of one hotline."""
    directors = list(
        get_user_model()
        .objects.filter(is_active=True, directed_units__isnull=False)
        .exclude(email="")
        .select_related("agent")  # named in the mail (person_name)
        .distinct()
    )
    if not directors:
        return 0
    managed = policy.managed_line_ids(directors)
    wanted = set().union(*managed.values())
    if lines is not None:
        wanted &= {line.pk for line in lines}
    all_gaps = unfilled_shifts(wanted, now, now + datetime.timedelta(days=GAP_DAYS)) if wanted else []
    rows = []
    for director in directors:
        gaps = [s for s in all_gaps if s.line_id in managed[director.pk]]
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
            f"{date_format(timezone.localtime(s.start), 'l')} {s.label}  "
            + _("line %(digit)s (%(hotline)s): %(missing)s missing")
            % {"digit": s.line.digit, "hotline": s.line.hotline.number, "missing": s.required - s.holding}
            for s in gaps
        ]
    return director_email(director, key=key, kind=Notification.Kind.GAPS, subject=subject, body="\n".join(lines))
