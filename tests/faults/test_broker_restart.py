"""Redis, the broker, crashes and comes back in the middle of a batch of a thousand messages.

Redis runs without persistence here, so every task queued in it is gone: the harshest case. The
outbox (roster/notifications/outbox.py) still knows every message, and the beat dispatches again
those whose task went missing (NOTIFICATION_SENDING_TIMEOUT, compressed to 4 s)."""

import collections
import time

import pytest
from django.db import connection

from roster.models import Notification
from tests.factories import AgentFactory
from tests.workers import sent_keys, wait_for

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL), as CI has")

MESSAGES = 1000


def test_redis_restarted_mid_batch_loses_and_duplicates_no_message(transactional_db, redis, processes, sms_file):
    env = {"CELERY_BROKER_URL": redis.url, "NOTIFICATION_SENDING_TIMEOUT": "4"}
    # One task at a time for each of the two processes: the other tasks of the batch wait in Redis.
    processes.worker(
        sms_file, options=["--prefetch-multiplier", "1"], SMS_BACKEND="tests.faults.sms.QuickFileBackend", **env
    )
    agent = AgentFactory(email="")
    keys = {f"fault:{n}:sms" for n in range(MESSAGES)}
    Notification.objects.bulk_create(
        Notification(key=key, kind=Notification.Kind.CHANGES, channel="sms", agent=agent, to=agent.phone, body=key)
        for key in keys
    )
    processes.beat(tick=0.5, **env)

    assert wait_for(lambda: len(sent_keys(sms_file)) >= 50, seconds=60, every=0.1), "the batch never started"
    redis.crash()
    sent_before_the_crash = len(sent_keys(sms_file))
    time.sleep(0.5)
    redis.start()
    assert sent_before_the_crash < MESSAGES, "the crash came too late to test anything"

    unsent = Notification.objects.exclude(status=Notification.Status.SENT)
    delivered = wait_for(lambda: not unsent.exists(), seconds=60, every=0.1)
    assert delivered, collections.Counter(Notification.objects.values_list("status", flat=True))
    counts = collections.Counter(sent_keys(sms_file))
    assert set(counts) == keys, "nothing lost"
    assert {key for key, count in counts.items() if count > 1} == set(), "nothing sent twice"
    assert set(Notification.objects.filter(status="sent").values_list("key", flat=True)) == set(counts)
