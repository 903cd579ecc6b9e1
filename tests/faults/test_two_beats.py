"""Two beat processes run by mistake (a second machine started with `-B`, a unit enabled twice):
every job then runs twice as often, two at a time, on two workers. Still, no message goes out
twice and no shift is escalated twice: the outbox's unique keys and row locks, and the one
escalation a shift may have (roster/notifications/escalation.py), hold across processes."""

import collections
import datetime
import time

import pytest
from django.db import connection
from django.utils import timezone

from roster.models import Escalation, Notification
from tests.factories import AgentFactory, AssignmentFactory, LineFactory, ShiftFactory, UnitFactory, UserFactory
from tests.workers import sent_keys, wait_for

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL), as CI has")


def mailed_keys(mail_dir):
    """The X-Trucban-Key of every mail Django's file backend wrote."""
    return [
        line.split(":", 1)[1].strip()
        for path in (mail_dir.iterdir() if mail_dir.exists() else [])
        for line in path.read_text().splitlines()
        if line.startswith("X-Trucban-Key:")
    ]


def settled():
    return not Notification.objects.filter(status__in=["pending", "sending"]).exists()


def test_two_beats_send_each_message_once_and_escalate_each_shift_once(
    transactional_db, redis, processes, sms_file, tmp_path
):
    mail_dir = tmp_path / "mail"
    env = {
        "CELERY_BROKER_URL": redis.url,
        "SMS_BACKEND": "tests.faults.sms.QuickFileBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    for _ in range(2):
        processes.worker(sms_file, **env)
    now = timezone.now()
    unit = UnitFactory()
    unit.directors.add(UserFactory(username="giam-doc", email="giamdoc@trucban.example"))
    lines = [LineFactory(unit=unit, digit=str(digit)) for digit in (1, 2, 3)]
    # Three shifts under way for 20 minutes, past the 10-minute grace, their agent not checked in.
    under_way = [
        ShiftFactory(line=line, start=now - datetime.timedelta(minutes=20), end=now + datetime.timedelta(hours=4))
        for line in lines
    ]
    for shift in under_way:
        AssignmentFactory(shift=shift, agent=AgentFactory(unit=unit, lines=[shift.line], email=""))
    # Agents free to stand in (asked to take the shifts), and shifts starting within the hour
    # (their reminders are due).
    for n in range(6):
        agent = AgentFactory(unit=unit, lines=lines, email=f"agent{n}@trucban.example")
        start = now + datetime.timedelta(minutes=30 + n)
        AssignmentFactory(agent=agent, shift=ShiftFactory(line=lines[n % 3], start=start))

    beats = [processes.beat(tick=0.5, **env) for _ in range(2)]
    assert wait_for(lambda: Escalation.objects.count() == 3 and settled(), seconds=60, every=0.1)
    time.sleep(2)  # four more ticks of each beat, in which a second copy would show
    assert wait_for(settled, seconds=30, every=0.1)
    assert all(beat.poll() is None for beat in beats), "both beats ran throughout"

    assert sorted(Escalation.objects.values_list("shift", flat=True)) == sorted(s.pk for s in under_way)
    sms = collections.Counter(sent_keys(sms_file))
    mails = collections.Counter(mailed_keys(mail_dir))
    assert [key for key, count in (sms + mails).items() if count > 1] == [], "nothing sent twice"
    sent = Notification.objects.filter(status="sent")
    assert set(sms) == set(sent.filter(channel="sms").values_list("key", flat=True))
    assert set(mails) == set(sent.filter(channel="email").values_list("key", flat=True))
    assert sent.filter(kind=Notification.Kind.REMINDER, channel="sms").count() == 6
    # Each escalation's first word: its absent agent by SMS and the directors by email, once.
    for kind_filter in ({"channel": "sms", "key__contains": ":agent:"}, {"to": "giamdoc@trucban.example"}):
        escalations = sent.filter(kind=Notification.Kind.ESCALATION, **kind_filter)
        assert escalations.count() == 3, list(escalations.values_list("key", flat=True))
