"""The live API against its own schema: schemathesis generates requests for every operation,
valid and invalid, as an admin, a director and an agent, and checks that the server never
fails (5xx) and that every documented response matches the schema."""

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application
from hotline.models import Hotline, Line, Unit
from roster.models import Agent, Leave, Notification, Roster, RosterBuild, Shift

# Examples per operation and generation mode: enough to find a 500 on a bad value, few
# enough that the whole run (some 50 operations, three roles, both modes) stays near half a
# minute; a deeper run (EXAMPLES = 60) is worth doing by hand after an API change.
EXAMPLES = 5
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def wsgi_in_test_transaction():
    """Django closes the database connection after a request; the test client keeps it, so
    requests see the test's data. Do the same for requests sent straight to the WSGI app."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def real_ids(username):
    """An object the role can see for each resource, so detail operations do more than 404."""
    agent = Agent.objects.get(user__username="agent")
    assignment = agent.assignments.filter(is_live=True, end__gt=timezone.now()).order_by("start").first()
    roster = Roster.objects.filter(status=Roster.Status.PUBLISHED, shifts__line__digit="2").first()
    leave = Leave.objects.create(agent=agent, start=assignment.start, end=assignment.end, reason="fuzz")
    notification = Notification.objects.create(
        key=f"fuzz:{username}", kind="reminder", channel="sms", agent=agent, to=agent.phone, body="x"
    )
    build = RosterBuild.objects.create(start=roster.start, end=roster.end)
    return {
        "/api/v1/units/": Unit.objects.get(code="cdc").pk,
        "/api/v1/hotlines/": Hotline.objects.get().pk,
        "/api/v1/lines/": Line.objects.get(digit="2").pk,
        "/api/v1/agents/": agent.pk,
        "/api/v1/rosters/": roster.pk,
        "/api/v1/builds/": build.pk,
        "/api/v1/shifts/": Shift.objects.filter(line__digit="2").first().pk,
        "/api/v1/leaves/": leave.pk,
        "/api/v1/assignments/": assignment.pk,
        "/api/v1/notifications/": notification.pk,
    }


def path_parameters(operation, ids):
    if "{id}" not in operation.path:
        return None
    prefix = operation.path.split("{id}")[0]
    return {"id": ids[prefix]} if prefix in ids else None


@pytest.mark.parametrize("username", ["admin", "director", "agent"])
def test_no_operation_fails_or_answers_off_schema(username, demo, wsgi_in_test_transaction):
    _instance, token = AuthToken.objects.create(user=get_user_model().objects.get(username=username))
    headers = {"Authorization": f"Token {token}"}
    ids = real_ids(username)
    # Revoking would end the run's own token; tests/test_security.py covers those two.
    operations = [result.ok() for result in schema.get_all_operations() if "/auth/logout" not in result.ok().path]
    assert len(operations) >= 36

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Invalid data needs something to be invalid: a generated id, a query, a body.
            fixed_ids = path_parameters(operation, ids) if mode == GenerationMode.POSITIVE else None
            strategy = operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=fixed_ids)

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def request(case):
                case.call_and_validate(checks=CHECKS)

            try:
                request()
            except Unsatisfiable:
                # Nothing about this operation can be made invalid (no parameters, no body).
                assert mode == GenerationMode.NEGATIVE
