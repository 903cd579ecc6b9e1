"""Rows for the web and worker of test_database_restart.py, written into the private database by
`manage.py shell -c "from tests.faults.seed import seed; seed()"`: a director signed in (prints
the session key) and messages for an agent, due only when the test says so. bench/faults.py
adds a backlog of messages due now (`backlog(count)`)."""

import datetime

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from roster.models import Agent, Notification
from tests.factories import AgentFactory, LineFactory, UnitFactory, UserFactory

MESSAGES = 20


def seed():
    unit = UnitFactory()
    LineFactory(unit=unit)
    director = UserFactory(username="giam-doc")
    unit.directors.add(director)
    agent = AgentFactory(unit=unit, email="")
    later = timezone.now() + datetime.timedelta(days=365)
    Notification.objects.bulk_create(
        Notification(
            key=f"after-restart:{n}:sms",
            kind=Notification.Kind.CHANGES,
            channel="sms",
            agent=agent,
            to=agent.phone,
            body=f"message {n}",
            next_attempt_at=later,
        )
        for n in range(MESSAGES)
    )
    session = SessionStore()
    session[SESSION_KEY] = str(director.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = director.get_session_auth_hash()
    session.create()
    print(session.session_key)


def backlog(count):
    """`count` change messages by SMS to the seeded agent, due now."""
    agent = Agent.objects.order_by("pk").first()
    Notification.objects.bulk_create(
        Notification(
            key=f"backlog:{n}:sms",
            kind=Notification.Kind.CHANGES,
            channel="sms",
            agent=agent,
            to=agent.phone,
            body=f"message {n}",
        )
        for n in range(count)
    )
