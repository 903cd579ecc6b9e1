"""Celery tasks: thin wrappers that take ids and call plain functions."""

from celery import shared_task
from django.utils import timezone

from hotline.tasks import DATABASE_RETRY
from roster import services
from roster.models import ActionLink
from roster.notifications import changes, escalation, gaps, missed_calls, outbox, reminders

BATCH = 100


@shared_task(**DATABASE_RETRY)
def dispatch_due():
    """Every minute (beat): recover what dead workers left, make due reminders, send what is due."""
    now = timezone.now()
    outbox.requeue_stuck(now)
    reminders.create_due_reminders(now)
    changes.tell_changes(now)
    ids = outbox.due_for_dispatch(now)
    for first in range(0, len(ids), BATCH):
        send_notifications.delay(ids[first : first + BATCH])


@shared_task(**DATABASE_RETRY)
def send_notifications(ids):
    outbox.deliver(ids)


@shared_task(**DATABASE_RETRY)
def check_staffing():
    """Every minute (beat): raise, climb and close escalations of shifts under way."""
    now = timezone.now()
    escalation.resolve(now)
    escalation.raise_escalations(now)
    escalation.climb(now)


@shared_task(**DATABASE_RETRY)
def check_missed_calls():
    """Every minute (beat): lines missing too many calls alert their agents on duty and directors."""
    missed_calls.alert_missed_calls(timezone.now())


@shared_task(**DATABASE_RETRY)
def alert_gaps_daily():
    """16:00 every day (beat): each director's unfilled places for the next 7 days."""
    gaps.alert_gaps(timezone.now())


@shared_task
def run_roster_build(build_id):
    """Run the engine for a queued build; minutes of work, never handed to a second worker.

    Not retried when the database fails, so no second solve starts behind the director's back:
    a build left running is marked failed by the sweeper at its deadline, to be started again."""
    services.roster_build_run(build_id=build_id)


@shared_task(**DATABASE_RETRY)
def delete_spent_links():
    """02:45 every day (beat): SMS links that ended over a week ago."""
    ActionLink.delete_spent(timezone.now())


@shared_task(**DATABASE_RETRY)
def sweep_roster_builds():
    """Every minute (beat): builds whose worker died mid-run end failed, so they can be started again."""
    services.roster_build_sweep(now=timezone.now())
