"""The REST API's first endpoints: token, on-call, coverage, my shifts, schema and docs."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from roster.models import Assignment, Shift
from tests.factories import HotlineFactory, LineFactory


def test_a_token_is_had_for_a_username_and_password(api):
    response = api().post("/api/v1/auth/token/", {"username": "director", "password": "trucban-demo"})
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/oncall/").status_code == 200


def test_a_wrong_password_is_a_400_with_a_message(api):
    response = api().post("/api/v1/auth/token/", {"username": "director", "password": "wrong"})
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


@pytest.mark.parametrize(
    "url", ["/api/v1/oncall/", "/api/v1/me/shifts/", "/api/v1/coverage/?line=2&start=2026-12-01&end=2026-12-02"]
)
def test_anonymous_callers_get_401(api, url):
    response = api().get(url)
    assert response.status_code == 401


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_its_docs_are_public_and_use_no_cdn(api, url):
    response = api().get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "cdn" not in content.lower() and "unpkg" not in content.lower()


@pytest.mark.parametrize("username", ["admin", "operator", "director", "director-ldtbxh", "agent"])
def test_everyone_of_the_hotline_reads_who_is_on_duty_on_each_line(api, username, django_assert_max_num_queries):
    client = api(username)
    # token+user, visible hotlines (unit tree: 2), lines, staffing, shifts, assignments+agents,
    # and whose phones the caller may see (managed lines and directed units, each with the unit tree)
    with django_assert_max_num_queries(16):
        response = client.get("/api/v1/oncall/")
    assert response.status_code == 200
    items = response.json()
    assert [(i["hotline"], i["line"]) for i in items] == [("0290.1022", "1"), ("0290.1022", "2"), ("0290.1022", "3")]
    line_2 = items[1]
    assert line_2["unit"] == "Trung tâm Kiểm soát Bệnh tật tỉnh Cà Mau"
    assert line_2["shift"]["start"].endswith("+07:00")
    assert line_2["required"] in (1, 2)
    assert len(line_2["agents"]) >= line_2["required"]
    assert set(line_2["agents"][0]) == {"name", "phone", "checked_in"}
    # Line 2's phones are for whoever may have to call its agents (see test_phone_privacy.py).
    phone = line_2["agents"][0]["phone"]
    assert phone is None if username == "director-ldtbxh" else phone.startswith("+84")


def test_someone_outside_the_hotline_sees_no_line(api):
    get_user_model().objects.create_user("stranger", password="x")
    assert api("stranger").get("/api/v1/oncall/").json() == []


def test_a_line_is_not_staffed_when_nobody_checked_in_after_the_grace_period(api, settings):
    settings.CHECKIN_GRACE_MINUTES = 10
    # Not begun yet: the demo loads the shifts already under way checked in.
    shift = Shift.objects.published().filter(line__digit="2", start__gt=timezone.now()).order_by("start").first()
    client = api("operator")
    with time_machine.travel(shift.start + datetime.timedelta(minutes=5), tick=False):
        assert client.get("/api/v1/oncall/").json()[1]["staffed"] is True
    with time_machine.travel(shift.start + datetime.timedelta(minutes=11), tick=False):
        assert client.get("/api/v1/oncall/").json()[1]["staffed"] is False
        for assignment in shift.assignments.all():
            assignment.check_in(now=timezone.now())
        line_2 = client.get("/api/v1/oncall/").json()[1]
    assert line_2["staffed"] is True
    assert all(agent["checked_in"] for agent in line_2["agents"])


def test_coverage_lists_the_shifts_and_no_gaps_in_a_full_roster(api):
    today = timezone.localdate()
    response = api("director").get(
        "/api/v1/coverage/", {"line": "2", "start": str(today), "end": str(today + datetime.timedelta(days=3))}
    )
    assert response.status_code == 200
    data = response.json()
    assert len(data["shifts"]) >= 8
    assert set(data["shifts"][0]) == {"id", "start", "end", "required", "assigned", "confirmed"}
    assert data["gaps"] == []


def test_a_declined_shift_shows_as_a_gap(api):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    shift = Shift.objects.published().filter(line__digit="2", start__date=tomorrow).order_by("start").first()
    assignment = shift.assignments.first()
    assignment.status = Assignment.Status.DECLINED
    assignment.save()
    data = api("director").get("/api/v1/coverage/", {"line": "2", "start": str(tomorrow), "end": str(tomorrow)}).json()
    gap = data["gaps"][0]
    assert gap["missing"] == 1
    assert datetime.datetime.fromisoformat(gap["start"]) == shift.start
    assert next(s for s in data["shifts"] if s["id"] == shift.pk)["assigned"] == shift.required - 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-12-01", "end": "2026-12-02"}, "line"),
        ({"line": "2", "start": "01/12/2026", "end": "2026-12-02"}, "start"),
        ({"line": "2", "start": "2026-12-03", "end": "2026-12-02"}, "end"),
        ({"line": "7", "start": "2026-12-01", "end": "2026-12-02"}, "line"),
    ],
)
def test_bad_coverage_queries_get_field_errors(api, params, field):
    response = api("director").get("/api/v1/coverage/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_coverage_needs_the_hotline_when_two_have_the_digit(api):
    other = LineFactory(digit="2", hotline=HotlineFactory(number="0290.9999"))
    other.hotline.unit.directors.add(get_user_model().objects.get(username="director"))
    client = api("director")
    params = {"line": "2", "start": "2026-12-01", "end": "2026-12-02"}
    assert "hotline" in client.get("/api/v1/coverage/", params).json()
    assert client.get("/api/v1/coverage/", {**params, "hotline": "0290.1022"}).status_code == 200


def test_an_agent_lists_their_own_shifts_upcoming_first(api, django_assert_max_num_queries):
    client = api("agent")
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/me/shifts/")
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] >= 1
    # Those not over yet, soonest first; then past ones (the demo also holds yesterday), latest first.
    now = timezone.now()
    ends = [datetime.datetime.fromisoformat(item["end"]) for item in data["results"]]
    coming = [item["start"] for item, end in zip(data["results"], ends, strict=True) if end > now]
    past = [item["start"] for item, end in zip(data["results"], ends, strict=True) if end <= now]
    assert coming == sorted(coming)
    assert past == sorted(past, reverse=True)
    assert [item["start"] for item in data["results"]] == coming + past
    assert {item["line"] for item in data["results"]} == {"2"}
    agent = get_user_model().objects.get(username="agent").agent
    assert data["count"] == agent.assignments.filter(shift__roster__status="published").count()


def test_a_director_without_shifts_gets_an_empty_list(api):
    assert api("director").get("/api/v1/me/shifts/").json()["count"] == 0


def test_a_check_in_shows_on_the_cached_board_at_once(api):
    # The board is shared for a few seconds; a check-in clears it in the process that took it.
    mine = Assignment.objects.filter(agent__user__username="agent", is_live=True, start__gt=timezone.now())
    assignment = mine.order_by("start").first()
    agent, operator = api("agent"), api("operator")
    with time_machine.travel(assignment.start + datetime.timedelta(minutes=1), tick=False):
        before = {e["line"]: e for e in operator.get("/api/v1/oncall/").json()}
        agent.post(f"/api/v1/assignments/{assignment.pk}/check-in/")
        after = {e["line"]: e for e in operator.get("/api/v1/oncall/").json()}
    name = assignment.agent.full_name
    assert [a["checked_in"] for a in before["2"]["agents"] if a["name"] == name] == [False]
    assert [a["checked_in"] for a in after["2"]["agents"] if a["name"] == name] == [True]
