"""A task that does nothing but count itself: the baseline of bench/reminders.py."""

import redis
from django.conf import settings

from config.celery import app

COUNTER = "trucban:bench:noop"
_client = None


@app.task
def noop():
    global _client
    _client = _client or redis.Redis.from_url(settings.CELERY_BROKER_URL)
    _client.incr(COUNTER)
