"""The missed-call alert: N missed calls within M minutes on a line tell its agents on duty
and its directors, once per window."""

import datetime

from django.utils import timezone

from hotline.models import CallRecord, Line
from roster.models import Assignment, MissedCallAlert, Notification
from roster.notifications.missed_calls import alert_missed_calls


def miss(line, at, n, prefix="m"):
    for k in range(n):
        CallRecord.objects.create(
            hotline=line.hotline,
            line=line,
            source_id=f"{prefix}-{at.timestamp()}-{k}",
            started_at=at - datetime.timedelta(seconds=k),
            ended_at=at,
            outcome="abandoned",
        )


def test_three_missed_calls_in_fifteen_minutes_alert_once(demo):
    line = Line.objects.get(digit="2")
    now = timezone.now()
    miss(line, now - datetime.timedelta(minutes=5), 2)
    assert alert_missed_calls(now) == []

    miss(line, now - datetime.timedelta(minutes=1), 1, prefix="n")
    assert len(alert_missed_calls(now)) == 1
    on_duty = Assignment.objects.filter(shift__line=line, is_live=True, start__lte=now, end__gt=now)
    told = Notification.objects.filter(kind=Notification.Kind.MISSED_CALLS)
    assert {n.agent for n in told if n.agent} == {a.agent for a in on_duty}
    assert told.filter(user__username="director").exists()
    assert "3" in told.filter(channel="sms").first().body

    # More misses within the same window: no second alert.
    miss(line, now + datetime.timedelta(minutes=2), 3, prefix="o")
    assert alert_missed_calls(now + datetime.timedelta(minutes=3)) == []
    # After the window, a new burst alerts again.
    later = now + datetime.timedelta(minutes=20)
    miss(line, later, 3, prefix="p")
    assert len(alert_missed_calls(later)) == 1
    assert MissedCallAlert.objects.count() == 2


def test_the_thresholds_are_the_lines(demo):
    line = Line.objects.get(digit="2")
    line.missed_alert_calls, line.missed_alert_minutes = 5, 10
    line.save()
    now = timezone.now()
    miss(line, now, 4)
    assert alert_missed_calls(now) == []
    miss(line, now, 1, prefix="q")
    assert len(alert_missed_calls(now)) == 1


def test_answered_calls_do_not_count(demo):
    line = Line.objects.get(digit="2")
    now = timezone.now()
    for k in range(5):
        CallRecord.objects.create(
            hotline=line.hotline,
            line=line,
            source_id=f"a{k}",
            started_at=now,
            answered_at=now,
            ended_at=now,
            outcome="answered",
        )
    assert alert_missed_calls(now) == []
