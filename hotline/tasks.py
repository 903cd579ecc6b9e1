"""Celery tasks of the hotline app: thin wrappers around plain functions."""

from celery import shared_task
from django.utils import timezone

from hotline import calls


@shared_task
def erase_old_callers():
    """Every night (beat): callers' numbers older than CALLER_RETENTION_DAYS are erased."""
    return calls.erase_old_callers(timezone.now())
