"""Shift swaps through the API: offer, take (checked by the engine's rules), approve."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from hotline.models import Unit
from roster.models import Agent, Assignment, ShiftChange, Swap


def coming_shift_of_agent():
    soon = timezone.now() + datetime.timedelta(days=3)
    return Assignment.objects.filter(agent__user__username="agent", is_live=True, start__gt=soon).order_by("start")[0]


def colleague_who_can_take(assignment):
    """A colleague of the line who is free and rested around the shift."""
    from roster.services import rule_breaches

    for agent in Agent.objects.filter(lines=assignment.shift.line, active=True).exclude(pk=assignment.agent_id):
        if not rule_breaches(shift=assignment.shift, agent=agent, replacing=assignment.agent):
            return with_login(agent)
    raise AssertionError("no colleague can take the shift")


def with_login(agent):
    if agent.user is None:
        agent.user = get_user_model().objects.create_user(f"agent-{agent.pk}")
        agent.save(update_fields=["user"])
    return agent


def test_offer_take_approve(api):
    mine = coming_shift_of_agent()
    offer = api("agent").post("/api/v1/swaps/", {"assignment": mine.pk}, format="json")
    assert offer.status_code == 201, offer.json()
    colleague = colleague_who_can_take(mine)
    client = api(colleague.user.username)
    assert offer.json()["id"] in [s["id"] for s in client.get("/api/v1/swaps/").json()["results"]]

    taken = client.post(f"/api/v1/swaps/{offer.json()['id']}/take/")
    assert taken.status_code == 200, taken.json()
    assert taken.json()["status"] == "taken"
    assert Assignment.objects.filter(pk=mine.pk).exists()  # not before the director says so

    approved = api("director").post(f"/api/v1/swaps/{offer.json()['id']}/approve/")
    assert approved.json()["status"] == "done"
    assert not Assignment.objects.filter(pk=mine.pk).exists()
    assert Assignment.objects.filter(shift=mine.shift, agent=colleague, is_live=True).exists()
    assert ShiftChange.objects.filter(agent=mine.agent, change="removed").exists()
    assert ShiftChange.objects.filter(agent=colleague, change="added").exists()


def test_without_approval_the_taker_gets_the_shift_at_once(api):
    Unit.objects.filter(code="cdc").update(swaps_need_approval=False)
    mine = coming_shift_of_agent()
    swap_id = api("agent").post("/api/v1/swaps/", {"assignment": mine.pk}, format="json").json()["id"]
    colleague = colleague_who_can_take(mine)
    response = api(colleague.user.username).post(f"/api/v1/swaps/{swap_id}/take/")
    assert response.json()["status"] == "done"


def test_a_taker_who_would_break_the_rest_rule_is_refused(api):
    mine = coming_shift_of_agent()
    swap_id = api("agent").post("/api/v1/swaps/", {"assignment": mine.pk}, format="json").json()["id"]
    # Someone on the shift just before this one has no rest in between.
    before = Assignment.objects.filter(shift__line=mine.shift.line, is_live=True, end=mine.start).first()
    response = api(with_login(before.agent).user.username).post(f"/api/v1/swaps/{swap_id}/take/")
    assert response.status_code == 400
    assert "taken_by" in response.json()
    assert Swap.objects.get(pk=swap_id).status == "offered"


def test_only_your_own_shift_can_be_offered(api):
    other = Assignment.objects.filter(is_live=True, shift__line__digit="2").exclude(agent__user__username="agent")[0]
    response = api("agent").post("/api/v1/swaps/", {"assignment": other.pk}, format="json")
    assert response.status_code == 400


def test_an_agent_cannot_approve_and_another_director_cannot_see(api):
    mine = coming_shift_of_agent()
    swap_id = api("agent").post("/api/v1/swaps/", {"assignment": mine.pk}, format="json").json()["id"]
    assert api("agent").post(f"/api/v1/swaps/{swap_id}/approve/").status_code == 403
    assert api("director-ldtbxh").post(f"/api/v1/swaps/{swap_id}/approve/").status_code == 404


def test_the_offerer_withdraws(api):
    mine = coming_shift_of_agent()
    swap_id = api("agent").post("/api/v1/swaps/", {"assignment": mine.pk}, format="json").json()["id"]
    assert api("agent").delete(f"/api/v1/swaps/{swap_id}/").status_code == 204
    assert Swap.objects.get(pk=swap_id).status == "withdrawn"
