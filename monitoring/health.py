"""Is the beat alive, is the outbox moving: the one answer /healthz and the dashboard share."""

import dataclasses
import datetime

from django.db.models import Min
from django.utils import timezone

from monitoring.beat import daily_tasks, frequent_tasks
from monitoring.models import BeatJob
from roster.models import Notification

# The beat runs its frequent jobs every minute: three minutes without any is not a slow minute.
BEAT_STALE_AFTER = datetime.timedelta(minutes=3)
# A message due this long and still pending is stuck (a send takes seconds, a retry waits on its own time).
OUTBOX_LATE_AFTER = datetime.timedelta(minutes=5)

# When this web process started: right after a deploy, the beat (restarted with it) has not
# had its first minute yet, and that is no alarm.
PROCESS_STARTED_AT = timezone.now()


@dataclasses.dataclass
class BeatHealth:
    # The last run of any frequent job when none has run for BEAT_STALE_AFTER (the start of this
    # process when none ever ran); None while the beat is alive.
    stopped_since: datetime.datetime | None = None
    # Daily jobs that missed their last due time: name → that due time.
    late: dict = dataclasses.field(default_factory=dict)
    # Seconds since each job's last run began.
    ages: dict = dataclasses.field(default_factory=dict)


def beat_health(now=None) -> BeatHealth:
    now = now or timezone.now()
    jobs = {job.name: job for job in BeatJob.objects.all()}
    health = BeatHealth(ages={name: int((now - job.last_started_at).total_seconds()) for name, job in jobs.items()})
    if now - PROCESS_STARTED_AT < BEAT_STALE_AFTER:
        return health
    last_pulse = max((jobs[name].last_started_at for name in frequent_tasks() if name in jobs), default=None)
    if last_pulse is None or now - last_pulse >= BEAT_STALE_AFTER:
        health.stopped_since = last_pulse or PROCESS_STARTED_AT
    for name, schedule in daily_tasks().items():
        due = last_due(schedule, now)
        job = jobs.get(name)
        # A daily job that never ran (just deployed) is not counted late: the frequent jobs
        # already tell whether the beat runs at all. The minute of slack is for a beat that
        # sends the job a moment before the clock's minute.
        if job and due and now - due >= BEAT_STALE_AFTER and job.last_started_at < due - datetime.timedelta(minutes=1):
            health.late[name] = due
    return health


def last_due(schedule, now) -> datetime.datetime | None:
    """The last moment at or before now that a crontab schedule fires, in the local time zone."""
    tz = timezone.get_current_timezone()
    day = timezone.localdate(now)
    for _ in range(366):
        # Celery counts weekdays from Sunday = 0.
        if (
            day.month in schedule.month_of_year
            and day.day in schedule.day_of_month
            and day.isoweekday() % 7 in schedule.day_of_week
        ):
            for hour in sorted(schedule.hour, reverse=True):
                for minute in sorted(schedule.minute, reverse=True):
                    moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)
                    if moment <= now:
                        return moment
        day -= datetime.timedelta(days=1)
    return None


def outbox_late_since(now=None) -> datetime.datetime | None:
    """When the oldest message that should have gone out OUTBOX_LATE_AFTER ago was due, if any."""
    now = now or timezone.now()
    return Notification.objects.due(now - OUTBOX_LATE_AFTER).aggregate(oldest=Min("next_attempt_at"))["oldest"]
