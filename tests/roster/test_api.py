"""REST API for assignments and the notification log."""

import datetime
from io import StringIO

import time_machine
from django.core.management import call_command

from roster.models import Assignment, Notification


def own_next_assignment():
    return Assignment.objects.filter(agent__user__username="agent", is_live=True).order_by("start").first()


def test_the_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


def test_a_director_lists_the_assignments_of_their_lines_only(api, django_assert_max_num_queries):
    client = api("director")
    with django_assert_max_num_queries(10):
        data = client.get("/api/v1/assignments/").json()
    assert data["count"] == Assignment.objects.filter(shift__line__digit="2").count()
    assert set(data["results"][0]) >= {"id", "shift", "agent", "agent_name", "status", "start", "end"}


def test_an_agent_lists_only_their_own_assignments(api):
    data = api("agent").get("/api/v1/assignments/").json()
    assert data["count"] == Assignment.objects.filter(agent__user__username="agent").count()


def test_an_agent_confirms_their_own_shift(api):
    assignment = own_next_assignment()
    response = api("agent").post(f"/api/v1/assignments/{assignment.pk}/confirm/")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"


def test_a_director_cannot_confirm_for_an_agent(api):
    assignment = own_next_assignment()
    assert api("director").post(f"/api/v1/assignments/{assignment.pk}/confirm/").status_code == 403


def test_another_units_director_does_not_see_the_assignment(api):
    assignment = own_next_assignment()
    assert api("director-ldtbxh").post(f"/api/v1/assignments/{assignment.pk}/confirm/").status_code == 404


def test_checking_in_too_early_is_a_400_with_a_reason(api):
    assignment = own_next_assignment()
    with time_machine.travel(assignment.start - datetime.timedelta(hours=2), tick=False):
        response = api("agent").post(f"/api/v1/assignments/{assignment.pk}/check-in/")
    assert response.status_code == 400
    assert response.json()["status"]


def test_checking_in_on_time(api):
    assignment = own_next_assignment()
    with time_machine.travel(assignment.start + datetime.timedelta(minutes=1), tick=False):
        response = api("agent").post(f"/api/v1/assignments/{assignment.pk}/check-in/")
    assert response.status_code == 200
    assert response.json()["status"] == "checked_in"


def test_declining_a_coming_shift(api):
    assignment = own_next_assignment()
    with time_machine.travel(assignment.start - datetime.timedelta(hours=3), tick=False):
        response = api("agent").post(f"/api/v1/assignments/{assignment.pk}/decline/")
    assert response.status_code == 200
    assert response.json()["status"] == "declined"


def test_the_notification_log_is_scoped_like_the_page(api):
    cdc_agent = Assignment.objects.filter(shift__line__digit="2").first().agent
    row = Notification.objects.create(
        key="test:1:sms", kind="reminder", channel="sms", agent=cdc_agent, to=cdc_agent.phone, body="x"
    )
    assert [n["id"] for n in api("director").get("/api/v1/notifications/").json()["results"]] == [row.pk]
    assert api("director-ldtbxh").get("/api/v1/notifications/").json()["count"] == 0
