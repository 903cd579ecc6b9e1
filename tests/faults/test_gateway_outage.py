"""The SMS gateway answers 500 for "ten minutes", then comes back.

Time is compressed a hundredfold: the first retry waits 0.3 s instead of 30 s (NOTIFICATION_RETRY_SECONDS)
and the beat ticks every 0.3 s. The messages of the first minutes are retried with backoff,
then go by email, then to the director; those still being retried when the gateway returns (the
backlog) go by SMS, each once. test_outbox.py and test_failures.py show each step in one process;
here a real worker and beat live through the whole outage."""

import collections

import pytest
from django.db import connection

from roster.models import Notification
from roster.notifications import messages
from tests.factories import AgentFactory, UnitFactory, UserFactory
from tests.gateway import FakeGateway
from tests.workers import wait_for

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL), as CI has")

DOWN = (500, {"error": "service unavailable"})
UP = (200, {"status": "queued"})
BACKLOG = 30


def changes(agents, stem):
    """One change message to each of `agents` (the same agent may come more than once)."""
    rows = []
    for n, agent in enumerate(agents):
        rows += messages.agent_messages(
            agent, stem=f"{stem}:{n}", kind=Notification.Kind.CHANGES, subject="Ca trực", body="Ca trực đổi"
        )
    return Notification.objects.bulk_create(rows)


def test_a_gateway_outage_falls_back_then_the_backlog_drains_once_it_returns(
    transactional_db, redis, processes, sms_file, tmp_path
):
    unit = UnitFactory()
    unit.directors.add(UserFactory(username="giam-doc", email="giamdoc@trucban.example"))
    # SMS only while SMS works; those with an address get the email fallback.
    with_email = [AgentFactory(unit=unit, email=f"agent{n}@trucban.example", notify_by_email=False) for n in range(3)]
    without_email = AgentFactory(unit=unit, full_name="Lê Văn Tám", email="")

    with FakeGateway([DOWN]) as gateway:
        env = {"CELERY_BROKER_URL": redis.url, "NOTIFICATION_RETRY_SECONDS": "0.3", "NOTIFICATION_MAX_ATTEMPTS": "4"}
        processes.worker(
            sms_file,
            SMS_BACKEND="http",
            SMS_HTTP_URL=gateway.url,
            SMS_HTTP_TIMEOUT="2",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(tmp_path / "mail"),
            **env,
        )
        processes.beat(tick=0.3, **env)

        # The first messages of the outage exhaust their attempts: email, then the director.
        first = changes([*with_email, without_email], stem="outage")
        fallbacks_done = wait_for(
            lambda: (
                Notification.objects.filter(key__contains="|").count() == 4
                and not Notification.objects.filter(status__in=["pending", "sending"]).exists()
            ),
            seconds=60,
            every=0.1,
        )
        assert fallbacks_done, list(Notification.objects.values_list("key", "status", "attempts"))
        tries = collections.Counter(body["key"] for body, status in gateway.answered)
        for row in Notification.objects.filter(pk__in=[row.pk for row in first]):
            assert (row.status, row.attempts, tries[row.key]) == ("failed", 4, 4)
            assert "answered 500" in row.last_error
        assert set(Notification.objects.filter(key__contains="|email").values_list("to", "status")) == {
            (agent.email, "sent") for agent in with_email
        }
        told = Notification.objects.get(kind=Notification.Kind.UNDELIVERED)
        assert (told.to, told.agent, told.status) == ("giamdoc@trucban.example", without_email, "sent")

        # Later messages pile up, retried with backoff, while the gateway is still down.
        backlog = changes([with_email[n % 3] for n in range(BACKLOG)], stem="backlog")
        backlog = Notification.objects.filter(pk__in=[row.pk for row in backlog])
        assert wait_for(lambda: not backlog.filter(attempts__lt=2).exists(), seconds=30, every=0.1)
        assert not backlog.exclude(status__in=["pending", "sending"]).exists()

        gateway.answers = [UP]
        drained = wait_for(lambda: not backlog.exclude(status="sent").exists(), seconds=60, every=0.1)
        assert drained, list(backlog.values_list("key", "status", "attempts"))

    delivered = collections.Counter(body["key"] for body, status in gateway.answered if status == 200)
    assert delivered == collections.Counter(backlog.values_list("key", flat=True)), "each once"
    assert not Notification.objects.filter(key__startswith="backlog", key__contains="|").exists(), "no fallback"
