"""Celery tasks of the hotline app: thin wrappers around plain functions."""

from celery import shared_task
from django.utils import timezone

from config.errors import DATABASE_UNAVAILABLE
from hotline import calls

# A database restarting or failing over is back within seconds: a task it interrupts runs
# again within 1, 2, 4… seconds (at random in that span, at most a minute apart) rather than
# waiting for the beat's next run, which for a daily job is tomorrow. Every task so marked
# must be safe to run twice.
DATABASE_RETRY = {
    "autoretry_for": DATABASE_UNAVAILABLE,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


@shared_task(**DATABASE_RETRY)
def erase_old_callers():
    """Every night (beat): callers' numbers older than CALLER_RETENTION_DAYS are erased."""
    return calls.erase_old_callers(timezone.now())
