"""The API's read-only resources: each role sees its own scope, in a bounded number of queries."""

import pytest

from roster.models import Agent, Leave, Roster, Shift

ENDPOINTS = ["units", "hotlines", "lines", "agents", "rosters", "shifts", "leaves", "assignments", "notifications"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("username", ["admin", "operator", "director", "agent"])
def test_every_list_is_paginated_and_takes_a_bounded_number_of_queries(
    api, endpoint, username, django_assert_max_num_queries
):
    client = api(username)
    # token + user, role checks and the unit tree (≤ 6), count, page, prefetches (≤ 3)
    with django_assert_max_num_queries(14):
        response = client.get(f"/api/v1/{endpoint}/", {"page_size": 500})
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_lines_come_with_their_staffing(api):
    lines = api("agent").get("/api/v1/lines/").json()["results"]
    assert [line["digit"] for line in lines] == ["1", "2", "3"]
    line_2 = lines[1]
    assert line_2["queue"] == "cm1022-2" and line_2["unit"] == "cdc"
    assert {w["required"] for w in line_2["staffing"]} == {1, 2}


def test_a_director_sees_the_agents_of_their_unit_and_line(api):
    ids = {a["id"] for a in api("director").get("/api/v1/agents/", {"page_size": 500}).json()["results"]}
    expected = set(Agent.objects.filter(lines__digit="2").values_list("pk", flat=True)) | set(
        Agent.objects.filter(unit__code="cdc").values_list("pk", flat=True)
    )
    assert ids == expected


def test_an_agent_sees_only_themselves(api):
    agents = api("agent").get("/api/v1/agents/").json()["results"]
    assert [a["full_name"] for a in agents] == ["Nguyễn Thị Hồng Nhung"]


def test_a_director_of_another_unit_sees_neither_the_shifts_nor_the_leave_of_line_2(api):
    shifts = api("director-ldtbxh").get("/api/v1/shifts/", {"line": "2"}).json()
    assert shifts["count"] == 0
    leave = api("director-ldtbxh").get("/api/v1/leaves/").json()
    assert leave["count"] == 0
    assert (
        api("director").get("/api/v1/leaves/").json()["count"] == Leave.objects.filter(agent__unit__code="cdc").count()
    )


def test_shifts_filter_by_line(api):
    data = api("operator").get("/api/v1/shifts/", {"line": "3", "page_size": 500}).json()
    assert data["count"] == Shift.objects.filter(line__digit="3").count()
    assert {s["line"] for s in data["results"]} == {"3"}


def test_an_agent_sees_published_rosters_of_their_line(api):
    data = api("agent").get("/api/v1/rosters/").json()
    assert data["count"] == Roster.objects.filter(status="published").count()
