"""The Celery app with the beat in compressed time: `celery -A tests.faults.beat beat` runs the
every-minute jobs of CELERY_BEAT_SCHEDULE every BEAT_TICK_SECONDS instead (the daily ones not
at all), so an outage of "minutes" takes seconds."""

import os

from celery.schedules import crontab
from django.conf import settings

from config.celery import app

TICK = float(os.environ.get("BEAT_TICK_SECONDS", "60"))

app.conf.beat_schedule = {
    name: {**entry, "schedule": TICK}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    if not isinstance(entry["schedule"], crontab)
}
