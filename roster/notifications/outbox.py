"""
The outbox and its delivery (docs/reference.md §7).

Every message is first a Notification row with a unique key; delivery claims rows under a
lock, sends, and records the result, so a task that runs twice, or two beat ticks, never
send a message twice. A worker that dies mid-batch leaves its rows "sending"; the beat
puts them back after NOTIFICATION_SENDING_TIMEOUT seconds, so nothing is lost. A message
that fails for good falls back: SMS to email, then word to the agent's directors. Whatever
one message raises stays with its row (failed, or retried when temporary, with the reason in
last_error), so one broken channel or address never holds back the rest of a batch.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from roster.models import Assignment, Notification
from roster.notifications import gateways
from roster.notifications.gateways.base import PermanentError, TemporaryError

log = logging.getLogger(__name__)


def is_stale(notification: Notification, now) -> bool:
    """A reminder whose shift has started, or that its agent no longer holds, is not sent."""
    if notification.kind != Notification.Kind.REMINDER:
        return False
    assignment = notification.assignment
    return (
        assignment is None
        or not assignment.is_live
        or assignment.status in Assignment.NOT_HOLDING
        or assignment.agent_id != notification.agent_id
        or assignment.start <= now
    )


def due_for_dispatch(now: datetime.datetime, limit: int = 10_000) -> list[int]:
    """Pending rows due now that no task holds (never enqueued, or enqueued long ago); marks them enqueued."""
    lost = now - datetime.timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT)
    with transaction.atomic():
        ids = list(
            Notification.objects.due(now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


def requeue_stuck(now: datetime.datetime) -> int:
    """Rows a dead worker left in "sending" go back to pending."""
    stuck_since = now - datetime.timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT)
    return Notification.objects.filter(status=Notification.Status.SENDING, claimed_at__lt=stuck_since).update(
        status=Notification.Status.PENDING, enqueued_at=None, next_attempt_at=now
    )


def claim(ids, now) -> list[Notification]:
    """Take the rows that are still pending, so no other worker sends them."""
    with transaction.atomic():
        # SKIP LOCKED: a row another worker is claiming right now is simply not ours.
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status=Notification.Status.PENDING)
            .order_by("pk")
        )
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=Notification.Status.SENDING, claimed_at=now
        )
    return rows


def deliver(ids) -> None:
    """Send these notifications, each at most once (see the module's docstring).

    Whatever goes wrong with one row stays with that row: its failure is recorded and logged,
    and the batch goes on, so a broken mail server never holds back the SMS of other agents."""
    now = timezone.now()
    rows = claim(ids, now)
    for row in Notification.objects.filter(pk__in=[r.pk for r in rows]).select_related("assignment", "agent__unit"):
        try:
            deliver_one(row)
        except Exception:
            # Recording the result or making a fallback failed (the database, or a bug): the
            # row stays "sending" and requeue_stuck sends it again after the timeout.
            log.exception("notification %s could not be recorded", row.key)


def deliver_one(row: Notification) -> None:
    if is_stale(row, timezone.now()):
        mark(row, Notification.Status.CANCELLED, attempts=row.attempts)
        return
    try:
        send(row)
    except Exception as error:
        failed_attempt(row, error, permanent=not is_temporary(error))
    else:
        mark(row, Notification.Status.SENT, attempts=row.attempts + 1, sent_at=timezone.now())


def is_temporary(error: Exception) -> bool:
    """Worth trying again later: the gateway's own word, a timeout, a dropped connection, or an
    SMTP 4xx. Anything else (a refused address, a misconfigured backend, a template error, a
    bug) will fail the same way next time, so it fails for good and the fallback takes over."""
    if isinstance(error, (TemporaryError, TimeoutError, ConnectionError, smtplib.SMTPServerDisconnected)):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return False


def describe(error: Exception) -> str:
    """The reason recorded in last_error: the kind of error too, as "timed out" alone says little."""
    if isinstance(error, (TemporaryError, PermanentError)):
        return str(error)  # the gateway's own words already say what happened
    return f"{type(error).__name__}: {error}"


def send(row: Notification) -> None:
    if row.channel == Notification.Channel.SMS:
        gateways.send_sms(to=row.to, body=row.body, key=row.key)
    else:
        message = EmailMultiAlternatives(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to])
        if row.html_body:
            message.attach_alternative(row.html_body, "text/html")
        message.extra_headers["X-Trucban-Key"] = row.key
        message.send()


def mark(row, status, **fields):
    Notification.objects.filter(pk=row.pk).update(status=status, **fields)


def failed_attempt(row: Notification, error: Exception, *, permanent: bool) -> None:
    attempts = row.attempts + 1
    reason = describe(error)
    if not permanent and attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
        # Exponential backoff (NOTIFICATION_RETRY_SECONDS): 30 s, 1 min, 2 min, …; the beat sends it when due.
        backoff = settings.NOTIFICATION_RETRY_SECONDS * 2 ** (attempts - 1)
        retry_at = timezone.now() + datetime.timedelta(seconds=backoff)
        log.warning("notification %s failed (attempt %s), retried at %s: %s", row.key, attempts, retry_at, reason)
        mark(
            row,
            Notification.Status.PENDING,
            attempts=attempts,
            last_error=reason,
            next_attempt_at=retry_at,
            enqueued_at=None,
        )
        return
    log.warning("notification %s failed for good: %s", row.key, reason)
    mark(row, Notification.Status.FAILED, attempts=attempts, last_error=reason)
    row.last_error = reason  # the directors' message quotes it
    fall_back(row)


def fall_back(row: Notification) -> None:
    """SMS failed for good: try email; every channel failed: tell the agent's unit's directors.

    Keys are "<stem>:<channel>" (reminder:42:1h:sms); a fallback adds "|email" or
    "|director:<user id>" to the stem, so each fallback too is made once."""
    agent = row.agent
    if agent is None or row.kind == Notification.Kind.UNDELIVERED:
        return
    # A fallback's key is "<stem>|email": its stem is whole, with no channel to cut off.
    stem, fallback, _rest = row.key.partition("|")
    if not fallback:
        stem = stem.rsplit(":", 1)[0]
    if row.channel == Notification.Channel.EMAIL:
        sms = Notification.objects.filter(key=f"{stem}:sms")
        if sms.exclude(status=Notification.Status.FAILED).exists():
            # The agent is reached by SMS (or will be): the directors hear only when every
            # channel failed, which the SMS's own fallback sees if it fails for good later.
            # Each row is marked failed before it looks at the other, so of two failing at
            # once, at least one sees the other failed and tells the directors.
            return
    if row.channel == Notification.Channel.SMS and agent.email:
        email_keys = [f"{stem}:email", f"{stem}|email"]
        if Notification.objects.filter(key__in=email_keys).exclude(status=Notification.Status.FAILED).exists():
            return  # the agent is reached by email already
        if not Notification.objects.filter(key__in=email_keys).exists():
            Notification.objects.create(
                key=f"{stem}|email",
                kind=row.kind,
                channel=Notification.Channel.EMAIL,
                agent=agent,
                assignment=row.assignment,
                to=agent.email,
                subject=row.subject or row.body[:80],
                body=row.body,
                html_body=row.html_body,
            )
            return
    for director in agent.unit.directors.filter(is_active=True).exclude(email=""):
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("A notification to %(agent)s could not be delivered") % {"agent": agent.full_name}
            body = _("Every channel failed for this message to %(agent)s (%(phone)s):") % {
                "agent": agent.full_name,
                "phone": agent.phone,
            }
            body += f"\n\n{row.body}\n\n" + _("Last error: %(error)s") % {"error": row.last_error}
        Notification.objects.get_or_create(
            key=f"{stem}|director:{director.pk}",
            defaults={
                "kind": Notification.Kind.UNDELIVERED,
                "channel": Notification.Channel.EMAIL,
                "user": director,
                "agent": agent,
                "to": director.email,
                "subject": subject,
                "body": body,
            },
        )
