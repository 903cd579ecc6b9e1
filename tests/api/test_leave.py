"""Leave through the API: agents ask, directors enter, approve and reject."""

import datetime

from django.utils import timezone

from roster.models import Agent, Assignment, Leave, Notification
from roster.services import roster_build_run


def later(days, hours=0):
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + datetime.timedelta(days=days, hours=hours)


def request_leave(client, **fields):
    body = {"start": later(20).isoformat(), "end": later(22).isoformat(), "reason": "Nghỉ phép năm", **fields}
    return client.post("/api/v1/leaves/", body, format="json")


def test_an_agent_asks_for_leave_and_it_waits_for_the_director(api):
    response = request_leave(api("agent"))
    assert response.status_code == 201, response.json()
    leave = Leave.objects.get(pk=response.json()["id"])
    assert leave.status == Leave.Status.REQUESTED
    assert leave.agent.user.username == "agent"


def test_a_leave_that_ends_before_it_starts_is_a_400_on_end(api):
    before = Leave.objects.count()
    response = request_leave(api("agent"), end=later(19).isoformat())
    assert response.status_code == 400
    assert "end" in response.json()
    assert Leave.objects.count() == before


def test_overlapping_leave_is_refused(api):
    client = api("agent")
    request_leave(client)
    response = request_leave(client, start=later(21).isoformat(), end=later(25).isoformat())
    assert response.status_code == 400
    assert Leave.objects.filter(agent__user__username="agent").count() == 1


def test_a_user_who_is_not_an_agent_must_say_whose_leave(api):
    response = request_leave(api("operator"))
    assert response.status_code == 400
    assert "agent" in response.json()


def test_a_director_enters_leave_for_their_agent_approved(api):
    agent = Agent.objects.filter(unit__code="cdc").exclude(user__username="agent").first()
    response = request_leave(api("director"), agent=agent.pk)
    assert response.status_code == 201
    assert response.json()["status"] == "approved"


def test_a_director_cannot_enter_leave_for_another_units_agent(api):
    agent = Agent.objects.filter(lines__digit="1").first()
    response = request_leave(api("director"), agent=agent.pk)
    assert response.status_code == 403


def test_an_agent_cannot_enter_leave_for_a_colleague(api):
    colleague = Agent.objects.exclude(user__username="agent").first()
    response = request_leave(api("agent"), agent=colleague.pk)
    assert response.status_code == 403


def test_the_director_approves_and_the_agent_is_told(api):
    leave_id = request_leave(api("agent")).json()["id"]
    response = api("director").post(f"/api/v1/leaves/{leave_id}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    told = Notification.objects.filter(kind=Notification.Kind.LEAVE, agent__user__username="agent")
    assert told.exists()
    assert any(word in told.first().body for word in ("approved", "được duyệt", "duoc duyet"))


def test_the_director_rejects(api):
    leave_id = request_leave(api("agent")).json()["id"]
    response = api("director").post(f"/api/v1/leaves/{leave_id}/reject/")
    assert response.json()["status"] == "rejected"


def test_a_decided_leave_cannot_be_decided_again(api):
    leave_id = request_leave(api("agent")).json()["id"]
    api("director").post(f"/api/v1/leaves/{leave_id}/approve/")
    response = api("director").post(f"/api/v1/leaves/{leave_id}/reject/")
    assert response.status_code == 400
    assert Leave.objects.get(pk=leave_id).status == Leave.Status.APPROVED


def test_an_agent_cannot_approve_their_own_leave(api):
    leave_id = request_leave(api("agent")).json()["id"]
    assert api("agent").post(f"/api/v1/leaves/{leave_id}/approve/").status_code == 403


def test_another_units_director_does_not_see_the_request(api):
    leave_id = request_leave(api("agent")).json()["id"]
    assert api("director-ldtbxh").post(f"/api/v1/leaves/{leave_id}/approve/").status_code == 404


def test_approving_leave_over_published_shifts_names_them_and_replans(api):
    own = Assignment.objects.filter(agent__user__username="agent", is_live=True, start__gt=later(2)).first()
    # The leave covers that shift alone: a whole day could also take in a night shift ending
    # that morning, depending on the roster the engine built for the demo.
    body = {"start": own.start.isoformat(), "end": own.end.isoformat()}
    leave_id = api("agent").post("/api/v1/leaves/", body, format="json").json()["id"]

    client = api("director")
    response = client.post(f"/api/v1/leaves/{leave_id}/approve/", {"replan": True}, format="json")

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "approved"
    assert response.json()["conflicts"] == [own.pk], "the re-plan is left to a worker"
    (build_id,) = response.json()["builds"]
    assert client.get(f"/api/v1/builds/{build_id}/").json()["status"] == "queued"

    roster_build_run(build_id=build_id)  # what the worker does

    build = client.get(f"/api/v1/builds/{build_id}/").json()
    assert (build["status"], build["replan"]) == ("done", True)
    assert client.get(f"/api/v1/leaves/{leave_id}/").json()["status"] == "approved"
    assert not Assignment.objects.filter(pk=own.pk, is_live=True).exists()
    assert Assignment.objects.filter(shift__line=own.shift.line, start=own.start, is_live=True).exists()


def test_an_agent_withdraws_a_request_but_not_an_approved_leave(api):
    client = api("agent")
    first = request_leave(client).json()["id"]
    second = request_leave(client, start=later(30).isoformat(), end=later(31).isoformat()).json()["id"]
    api("director").post(f"/api/v1/leaves/{second}/approve/")
    assert client.delete(f"/api/v1/leaves/{first}/").status_code == 204
    assert client.delete(f"/api/v1/leaves/{second}/").status_code == 403
    assert list(Leave.objects.filter(agent__user__username="agent").values_list("pk", flat=True)) == [second]


def test_the_leave_list_is_bounded_in_queries(api, django_assert_max_num_queries):
    for agent in Agent.objects.filter(unit__code="cdc")[:10]:
        Leave.objects.create(agent=agent, start=later(40), end=later(41))
    client = api("director")
    with django_assert_max_num_queries(10):
        data = client.get("/api/v1/leaves/?page_size=500").json()
    assert data["count"] >= 10
    assert all(row["agent_name"] for row in data["results"])
