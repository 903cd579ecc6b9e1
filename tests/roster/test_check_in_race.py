"""Check-in, confirm, decline and check-out when requests for one assignment cross."""

import threading

import pytest
from django.db import connection
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from roster.models import Assignment
from tests.factories import AgentFactory, AssignmentFactory, UserFactory

ALREADY_CHECKED_IN = "Bạn đã điểm danh ca trực này rồi."


@pytest.fixture
def assignment(db):
    """A shift on now, on a published roster, of an agent who can sign in."""
    return AssignmentFactory(agent=AgentFactory(user=UserFactory(username="phuc")))


def api_client(user, token=None):
    if token is None:
        _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def page_messages(response):
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db(transaction=True)
def test_twenty_check_ins_at_once_give_one_check_in_and_nineteen_already_checked_in(assignment):
    _instance, token = AuthToken.objects.create(user=assignment.agent.user)
    url = f"/api/v1/assignments/{assignment.pk}/check-in/"
    start = threading.Barrier(20)
    responses = []

    def check_in():
        # Each thread has its own client, and Django gives it its own database connection.
        client = api_client(assignment.agent.user, token)
        try:
            start.wait()
            responses.append(client.post(url))
        finally:
            connection.close()

    threads = [threading.Thread(target=check_in) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [200] + [400] * 19
    refused = [r.json() for r in responses if r.status_code == 400]
    assert refused == [{"status": [ALREADY_CHECKED_IN]}] * 19
    checked_in = next(r.json() for r in responses if r.status_code == 200)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CHECKED_IN
    assert parse_datetime(checked_in["checked_in_at"]) == assignment.checked_in_at
    # One write: the history has the row's creation and a single check-in.
    assert list(assignment.history.values_list("status", flat=True)) == ["checked_in", "assigned"]


def test_checking_in_twice_on_the_api_is_a_400_saying_so(assignment):
    client = api_client(assignment.agent.user)
    url = f"/api/v1/assignments/{assignment.pk}/check-in/"
    first = client.post(url).json()["checked_in_at"]
    second = client.post(url)
    assert second.status_code == 400
    assert second.json() == {"status": [ALREADY_CHECKED_IN]}
    assignment.refresh_from_db()
    assert assignment.checked_in_at == parse_datetime(first)


def test_checking_in_twice_on_the_page_says_already_checked_in(assignment, client):
    client.force_login(assignment.agent.user)
    client.post(f"/me/assignments/{assignment.pk}/check-in/", follow=True)
    checked_in_at = Assignment.objects.get(pk=assignment.pk).checked_in_at
    response = client.post(f"/me/assignments/{assignment.pk}/check-in/", follow=True)
    assert page_messages(response) == [ALREADY_CHECKED_IN]
    assert Assignment.objects.get(pk=assignment.pk).checked_in_at == checked_in_at


def test_confirming_or_declining_after_checking_in_says_so(assignment):
    client = api_client(assignment.agent.user)
    client.post(f"/api/v1/assignments/{assignment.pk}/check-in/")
    confirm = client.post(f"/api/v1/assignments/{assignment.pk}/confirm/")
    decline = client.post(f"/api/v1/assignments/{assignment.pk}/decline/")
    assert confirm.status_code == 400
    assert confirm.json() == {"status": [ALREADY_CHECKED_IN]}
    assert decline.status_code == 400
    assert decline.json() == {"status": ["Bạn đã điểm danh ca trực này nên không thể từ chối nữa."]}
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.CHECKED_IN


def test_confirming_twice_says_already_confirmed(assignment, client):
    client.force_login(assignment.agent.user)
    client.post(f"/me/assignments/{assignment.pk}/confirm/", follow=True)
    response = client.post(f"/me/assignments/{assignment.pk}/confirm/", follow=True)
    assert page_messages(response) == ["Bạn đã xác nhận ca trực này rồi."]


def test_checking_out_twice_says_already_checked_out(assignment):
    client = api_client(assignment.agent.user)
    client.post(f"/api/v1/assignments/{assignment.pk}/check-in/")
    first = client.post(f"/api/v1/assignments/{assignment.pk}/check-out/")
    second = client.post(f"/api/v1/assignments/{assignment.pk}/check-out/")
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json() == {"status": ["Bạn đã báo kết thúc ca trực này rồi."]}
    assignment.refresh_from_db()
    assert assignment.checked_out_at == parse_datetime(first.json()["checked_out_at"])
