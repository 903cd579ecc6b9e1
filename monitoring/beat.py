"""Each job of the beat schedule notes when it last ran and how long it took.

Written from Celery's signals rather than in the tasks, so a new job of CELERY_BEAT_SCHEDULE
is watched without touching its code. One upsert a run, when it ends."""

import time
import traceback

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from monitoring import context
from monitoring.models import BeatJob

# task id → (wall-clock start, monotonic start), kept from prerun until postrun in the process
# that runs the task.
_running = {}
_errors = {}


def scheduled_tasks() -> dict:
    """Task name → its schedule (a number of seconds, a timedelta or a crontab)."""
    return {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def frequent_tasks() -> list[str]:
    """The jobs run every so many seconds (reminders, escalations, missed calls): the beat's pulse."""
    return [name for name, schedule in scheduled_tasks().items() if not isinstance(schedule, crontab)]


def daily_tasks() -> dict:
    return {name: schedule for name, schedule in scheduled_tasks().items() if isinstance(schedule, crontab)}


def task_started(sender=None, task_id=None, task=None, **kwargs):
    context.bind(task_id=task_id)
    if task is not None and task.name in scheduled_tasks():
        _running[task_id] = (timezone.now(), time.monotonic())


def task_failed(sender=None, task_id=None, exception=None, **kwargs):
    if task_id in _running:
        _errors[task_id] = "".join(traceback.format_exception_only(exception)).strip()


def task_finished(sender=None, task_id=None, task=None, **kwargs):
    context.clear()
    started = _running.pop(task_id, None)
    error = _errors.pop(task_id, "")
    if started is None:
        return
    started_at, started_clock = started
    BeatJob.objects.bulk_create(
        [
            BeatJob(
                name=task.name,
                last_started_at=started_at,
                last_finished_at=timezone.now(),
                last_duration_ms=round((time.monotonic() - started_clock) * 1000),
                last_error=error[:2000],
            )
        ],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["last_started_at", "last_finished_at", "last_duration_ms", "last_error"],
    )
