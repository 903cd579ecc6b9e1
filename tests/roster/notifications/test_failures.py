"""Every failure stays with its own message: one row that cannot be rendered or sent is
recorded (failed, or retried when the error is temporary) and the batch goes on; every
network call is bounded by a timeout; the fallbacks still apply."""

import datetime
import logging
import time

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from roster.models import Notification
from roster.notifications import messages, outbox
from roster.notifications.gateways import locmem
from roster.notifications.gateways.base import SmsBackend
from tests.factories import AgentFactory, UnitFactory, UserFactory
from tests.gateway import FakeGateway, SilentServer

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
NOW = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
BLOWS_UP = "+84910000000"


class ExplodingSms(SmsBackend):
    """A gateway library with a bug: for one number it raises what no gateway should."""

    def send(self, *, to, body, key):
        if to == BLOWS_UP:
            raise ValueError("unexpected answer from the SMS library")
        locmem.outbox.append({"to": to, "body": body, "key": key})


def change_messages(agents, event="shift-moved"):
    """The message of one event to each agent, by every channel they chose, saved and pending."""
    rows = []
    for agent in agents:
        rows += messages.agent_messages(
            agent,
            stem=f"test:{event}:{agent.pk}",
            kind=Notification.Kind.CHANGES,
            subject="Ca trực thay đổi",
            body=f"Ca trực của đồng chí {agent.full_name} đã thay đổi.",
        )
    return Notification.objects.bulk_create(rows)


def deliver_all():
    outbox.deliver(list(Notification.objects.filter(status=Notification.Status.PENDING).values_list("pk", flat=True)))


@pytest.fixture
def unit_with_director():
    unit = UnitFactory()
    unit.directors.add(UserFactory(username="giam-doc", email="giamdoc@trucban.example"))
    return unit


def test_a_broken_mail_backend_fails_only_the_emails_and_every_sms_of_the_batch_goes(
    settings, caplog, unit_with_director
):
    settings.EMAIL_BACKEND = "tests.broken_mail.EmailBackend"
    agents = [AgentFactory(unit=unit_with_director, email=f"agent{n}@trucban.example") for n in range(4)]
    change_messages(agents)

    with caplog.at_level(logging.WARNING, logger="roster.notifications.outbox"):
        deliver_all()

    sms_rows = Notification.objects.filter(channel=Notification.Channel.SMS)
    assert sorted(m["key"] for m in locmem.outbox) == sorted(sms_rows.values_list("key", flat=True))
    assert set(sms_rows.values_list("status", flat=True)) == {Notification.Status.SENT}
    emails = Notification.objects.filter(channel=Notification.Channel.EMAIL)
    assert emails.count() == 4
    for row in emails:
        assert row.status == Notification.Status.FAILED
        assert row.last_error == "RuntimeError: the mail backend is misconfigured"
        assert f"{row.key} failed for good: RuntimeError: the mail backend is misconfigured" in caplog.text
    # Every agent was reached by SMS: the directors are not told that every channel failed.
    assert not Notification.objects.filter(kind=Notification.Kind.UNDELIVERED).exists()


def test_an_email_refused_for_an_agent_without_sms_tells_the_directors(settings, unit_with_director):
    settings.EMAIL_BACKEND = "tests.broken_mail.RefusingBackend"
    email_only = AgentFactory(
        unit=unit_with_director, full_name="Lê Văn Tám", email="tam@refused.example", notify_by_sms=False
    )
    reached = AgentFactory(unit=unit_with_director, email="ba@trucban.example", notify_by_sms=False)
    change_messages([email_only, reached])

    deliver_all()  # the agents' emails
    deliver_all()  # the director's

    refused = Notification.objects.get(to="tam@refused.example")
    assert refused.status == Notification.Status.FAILED
    assert refused.last_error.startswith("SMTPRecipientsRefused:") and "no such user" in refused.last_error
    assert [m.to for m in mail.outbox] == [["ba@trucban.example"], ["giamdoc@trucban.example"]]
    assert "Lê Văn Tám" in mail.outbox[1].subject
    assert "no such user" in mail.outbox[1].body, "the directors read why"


def test_an_email_failing_while_the_sms_is_still_pending_waits_for_the_sms(settings, unit_with_director):
    """SMS and email of one event are independent: the directors hear only when both failed."""
    settings.EMAIL_BACKEND = "tests.broken_mail.EmailBackend"
    agent = AgentFactory(unit=unit_with_director, email="nam@trucban.example")
    sms, email = change_messages([agent])
    outbox.deliver([email.pk])
    assert not Notification.objects.filter(kind=Notification.Kind.UNDELIVERED).exists()

    with FakeGateway([(400, {"error": "number blocked"})]) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url
        outbox.deliver([sms.pk])

    told = Notification.objects.get(kind=Notification.Kind.UNDELIVERED)
    assert told.to == "giamdoc@trucban.example" and "number blocked" in told.body


def test_each_agent_no_channel_reached_is_reported_to_the_directors(settings, unit_with_director):
    """The fallback email's key is "<stem>|email": the directors' key keeps the whole stem, so
    two agents of the same event are two reports, not one."""
    settings.EMAIL_BACKEND = "tests.broken_mail.RefusingBackend"
    agents = [AgentFactory(unit=unit_with_director, email=f"agent{n}@refused.example") for n in range(2)]
    change_messages(agents)
    Notification.objects.filter(channel=Notification.Channel.EMAIL).delete()  # SMS only, until SMS fails

    with FakeGateway([(400, {"error": "number blocked"})]) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url
        deliver_all()  # the SMS fail for good: email fallbacks
        deliver_all()  # refused: the directors are told
        deliver_all()

    told = Notification.objects.filter(kind=Notification.Kind.UNDELIVERED)
    assert sorted(told.values_list("agent", flat=True)) == sorted(agent.pk for agent in agents)
    assert [m.to for m in mail.outbox] == [["giamdoc@trucban.example"]] * 2


def test_a_gateway_raising_something_unexpected_fails_its_row_and_the_batch_goes_on(settings):
    settings.SMS_BACKEND = "tests.roster.notifications.test_failures.ExplodingSms"
    unlucky = AgentFactory(phone=BLOWS_UP, email="", notify_by_email=False)
    others = [AgentFactory(email="", notify_by_email=False) for _ in range(3)]
    change_messages([unlucky, *others])  # the unlucky one's row is first in the batch

    deliver_all()

    failed = Notification.objects.get(to=BLOWS_UP)
    assert failed.status == Notification.Status.FAILED
    assert failed.last_error == "ValueError: unexpected answer from the SMS library"
    assert {m["to"] for m in locmem.outbox} == {agent.phone for agent in others}


@pytest.mark.parametrize(
    ("backend", "url_setting"),
    [("http", "SMS_HTTP_URL"), ("esms", "ESMS_URL"), ("speedsms", "SPEEDSMS_URL")],
)
def test_a_gateway_that_never_answers_times_out_and_is_retried(settings, backend, url_setting):
    settings.SMS_HTTP_TIMEOUT = 0.5
    agent = AgentFactory(email="", notify_by_email=False)
    change_messages([agent])
    with SilentServer() as server:
        settings.SMS_BACKEND = backend
        setattr(settings, url_setting, server.url + "/send")
        started = time.monotonic()
        with time_machine.travel(NOW, tick=False):
            deliver_all()
        elapsed = time.monotonic() - started
    assert elapsed < 5, f"the worker was held {elapsed:.1f} s"
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (Notification.Status.PENDING, 1)
    assert "timed out" in row.last_error
    assert row.next_attempt_at == NOW + datetime.timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS)


def test_an_smtp_server_that_never_answers_times_out_within_the_bound(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 0.5
    agent = AgentFactory(email="hoa@trucban.example", notify_by_sms=False)
    change_messages([agent])
    with SilentServer() as server:
        settings.EMAIL_PORT = server.port
        started = time.monotonic()
        deliver_all()
        elapsed = time.monotonic() - started
    assert elapsed < 5, f"the worker was held {elapsed:.1f} s"
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (Notification.Status.PENDING, 1), "a timeout is temporary"
    assert row.last_error.startswith("SMTPServerDisconnected:") and "timed out" in row.last_error


def test_a_gateway_answering_500s_is_retried_then_email_then_the_directors(settings, run_beat, unit_with_director):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = "tests.broken_mail.RefusingBackend"
    agent = AgentFactory(
        unit=unit_with_director, full_name="Trần Thị Mai", email="mai@refused.example", notify_by_email=False
    )
    with FakeGateway([(500, {"error": "down"})]) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url
        with time_machine.travel(NOW, tick=False):
            change_messages([agent])  # SMS only, until SMS fails
            run_beat()
            assert Notification.objects.get().status == Notification.Status.PENDING
        with time_machine.travel(NOW + datetime.timedelta(seconds=31), tick=False):
            run_beat()  # the second attempt fails for good: the email fallback is made
            run_beat()  # the address is refused: the directors are told
            run_beat()  # and their email goes
    assert len(gateway.requests) == 2
    sms = Notification.objects.get(channel=Notification.Channel.SMS)
    assert sms.status == Notification.Status.FAILED and "500" in sms.last_error
    fallback = Notification.objects.get(to="mai@refused.example")
    assert fallback.status == Notification.Status.FAILED and "SMTPRecipientsRefused" in fallback.last_error
    assert [m.to for m in mail.outbox] == [["giamdoc@trucban.example"]]
    assert "Trần Thị Mai" in mail.outbox[0].subject
