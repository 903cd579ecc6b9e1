"""REST API for assignments and the notification log."""

import datetime
from io import StringIO

import time_machine
from django.core.management import call_command
from django.utils import timezone

from roster.models import Agent, Assignment, Notification, Shift, ShiftChange


def own_next_assignment():
    """The demo agent's next shift not yet begun (the demo roster also holds yesterday's)."""
    mine = Assignment.objects.filter(agent__user__username="agent", is_live=True, start__gt=timezone.now())
    return mine.order_by("start").first()


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


def test_a_director_adds_an_agent_by_hand_when_no_rule_breaks(api):
    shift = Shift.objects.published().filter(line__digit="2").order_by("-start").first()
    shift.required += 1  # one more place to fill by hand
    shift.save()
    taken = set(shift.assignments.values_list("agent", flat=True))
    busy = set(
        Assignment.objects.filter(is_live=True, start__gt=shift.start - datetime.timedelta(days=3)).values_list(
            "agent", flat=True
        )
    )
    free = Agent.objects.filter(lines__digit="2", active=True).exclude(pk__in=taken | busy).first()
    response = api("director").post("/api/v1/assignments/", {"shift": shift.pk, "agent": free.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["source"] == "manual"
    assert ShiftChange.objects.filter(agent=free, change="added").exists(), "the agent will be told"


def test_adding_an_agent_who_would_break_the_rest_is_a_400_naming_the_rule(api):
    first = Shift.objects.published().filter(line__digit="2").order_by("start")[3]
    worker = first.assignments.first().agent
    next_shift = Shift.objects.published().filter(line__digit="2", start=first.end).first()
    response = api("director").post("/api/v1/assignments/", {"shift": next_shift.pk, "agent": worker.pk}, format="json")
    assert response.status_code == 400
    assert "rule 3" in response.json()["agent"][0]


def test_a_director_cannot_add_to_another_units_line(api):
    shift = Shift.objects.published().filter(line__digit="1").first()
    agent = Agent.objects.filter(lines__digit="2").first()
    response = api("director").post("/api/v1/assignments/", {"shift": shift.pk, "agent": agent.pk}, format="json")
    assert response.status_code == 400
    assert "shift" in response.json()


def test_adding_another_units_agent_to_my_line_is_refused_without_their_name(api):
    # The director of line 2 (the CDC) sends the id of an agent who only answers line 1.
    shift = Shift.objects.published().filter(line__digit="2").order_by("start").last()
    stranger = Agent.objects.exclude(lines__digit="2").first()
    response = api("director").post("/api/v1/assignments/", {"shift": shift.pk, "agent": stranger.pk}, format="json")
    assert response.status_code == 400
    refusal = response.json()["agent"][0]
    assert stranger.full_name not in refusal and "rule" not in refusal
    assert not Assignment.objects.filter(shift=shift, agent=stranger).exists()


def test_removing_an_assignment_tells_the_agent(api):
    assignment = Assignment.objects.filter(shift__line__digit="2", is_live=True).order_by("-start").first()
    assert api("director").delete(f"/api/v1/assignments/{assignment.pk}/").status_code == 204
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert ShiftChange.objects.filter(agent=assignment.agent, change="removed").exists()


def test_an_agent_cannot_remove_their_assignment(api):
    assignment = own_next_assignment()
    assert api("agent").delete(f"/api/v1/assignments/{assignment.pk}/").status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_checking_out_at_the_handover_keeps_the_line_staffed(api):
    assignment = own_next_assignment()
    client = api("agent")
    with time_machine.travel(assignment.start + datetime.timedelta(minutes=1), tick=False):
        client.post(f"/api/v1/assignments/{assignment.pk}/check-in/")
    with time_machine.travel(assignment.end - datetime.timedelta(minutes=5), tick=False):
        response = client.post(f"/api/v1/assignments/{assignment.pk}/check-out/")
        oncall = {e["line"]: e for e in client.get("/api/v1/oncall/").json()}
    assert response.status_code == 200
    assert response.json()["checked_out_at"]
    me = next(a for a in oncall["2"]["agents"] if a["name"] == assignment.agent.full_name)
    assert me["checked_in"] is True


def test_leaving_early_counts_as_absent_on_the_oncall_list(api):
    assignment = own_next_assignment()
    client = api("agent")
    with time_machine.travel(assignment.start + datetime.timedelta(minutes=1), tick=False):
        client.post(f"/api/v1/assignments/{assignment.pk}/check-in/")
    with time_machine.travel(assignment.start + datetime.timedelta(hours=1), tick=False):
        client.post(f"/api/v1/assignments/{assignment.pk}/check-out/")
        oncall = {e["line"]: e for e in client.get("/api/v1/oncall/").json()}
    me = next(a for a in oncall["2"]["agents"] if a["name"] == assignment.agent.full_name)
    assert me["checked_in"] is False
    assert oncall["2"]["staffed"] is False


def test_checking_out_without_checking_in_is_a_400(api):
    assignment = own_next_assignment()
    with time_machine.travel(assignment.start + datetime.timedelta(minutes=1), tick=False):
        response = api("agent").post(f"/api/v1/assignments/{assignment.pk}/check-out/")
    assert response.status_code == 400
    assert response.json()["status"]


def test_a_director_cannot_check_out_for_an_agent(api):
    assignment = own_next_assignment()
    assert api("director").post(f"/api/v1/assignments/{assignment.pk}/check-out/").status_code == 403
