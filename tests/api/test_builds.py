"""Building and publishing rosters through the API; the engine runs on a worker."""

import datetime
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from hotline.models import Line
from roster.models import Agent, Roster, RosterBuild, Shift
from roster.services import roster_build_run
from tests.workers import needs_services, wait_for


def period(days_ahead=20, length=7):
    first = timezone.localdate() + datetime.timedelta(days=days_ahead)
    return {"start": str(first), "end": str(first + datetime.timedelta(days=length - 1))}


def line_2():
    return Line.objects.get(digit="2", hotline__number="0290.1022")


def test_a_director_queues_a_build_and_publishes_the_result(api):
    client = api("director")
    response = client.post("/api/v1/rosters/build/", {"lines": [line_2().pk], **period()}, format="json")
    assert response.status_code == 202
    build = response.json()
    assert build["status"] == "queued"

    roster_build_run(build_id=build["id"])  # what the worker does
    done = client.get(f"/api/v1/builds/{build['id']}/").json()
    assert done["status"] == "done"
    assert done["result"]["filled"] == done["result"]["required"] == 21
    assert done["result"]["unfilled"] == []

    published = client.post(f"/api/v1/rosters/{done['roster']}/publish/", {}, format="json")
    assert published.status_code == 200
    assert published.json()["status"] == "published"


def test_a_build_delivered_twice_runs_once(api):
    build = api("director").post("/api/v1/rosters/build/", {"lines": [line_2().pk], **period()}, format="json")
    roster_build_run(build_id=build.json()["id"])
    roster_build_run(build_id=build.json()["id"])
    assert Roster.objects.filter(status=Roster.Status.DRAFT).count() == 1


@pytest.mark.parametrize("username", ["director-ldtbxh", "agent"])
def test_nobody_builds_a_line_they_do_not_manage(api, username):
    response = api(username).post("/api/v1/rosters/build/", {"lines": [line_2().pk], **period()}, format="json")
    assert response.status_code == 400
    assert "lines" in response.json()
    assert not RosterBuild.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2027-01-07", "end": "2027-01-01"}, "end"),
        ({"start": "tomorrow", "end": "2027-01-01"}, "start"),
        ({"lines": [], "start": "2027-01-01", "end": "2027-01-02"}, "lines"),
        ({"lines": [999999], "start": "2027-01-01", "end": "2027-01-02"}, "lines"),
    ],
)
def test_bad_build_requests_get_field_errors(api, body, field):
    body = {"lines": [line_2().pk], **body}
    response = api("director").post("/api/v1/rosters/build/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_publishing_with_gaps_needs_allow_gaps(api):
    Agent.objects.filter(lines=line_2()).exclude(pk=Agent.objects.filter(lines=line_2()).first().pk).update(
        active=False
    )
    client = api("director")
    build = client.post("/api/v1/rosters/build/", {"lines": [line_2().pk], **period(length=2)}, format="json").json()
    roster_build_run(build_id=build["id"])
    done = client.get(f"/api/v1/builds/{build['id']}/").json()
    assert done["result"]["unfilled"] and all("line 2" in u["reason"] for u in done["result"]["unfilled"])
    assert done["result"]["unfilled"][0]["start"].endswith("+07:00")
    refused = client.post(f"/api/v1/rosters/{done['roster']}/publish/", {}, format="json")
    assert refused.status_code == 400 and "roster" in refused.json()
    accepted = client.post(f"/api/v1/rosters/{done['roster']}/publish/", {"allow_gaps": True}, format="json")
    assert accepted.status_code == 200


def test_an_agent_cannot_publish(api):
    roster = Roster.objects.filter(status=Roster.Status.PUBLISHED).first()
    draft = Roster.objects.create(start=roster.start, end=roster.end)
    draft.lines.set([line_2()])
    assert api("agent").post(f"/api/v1/rosters/{draft.pk}/publish/", {}, format="json").status_code == 404


@needs_services
def test_a_build_runs_on_a_real_worker(workers, committed_demo):
    workers()
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="director"))
    response = client.post(
        "/api/v1/rosters/build/", {"lines": [line_2().pk], **period(), "time_limit_s": 5}, format="json"
    )
    build_id = response.json()["id"]
    assert wait_for(lambda: RosterBuild.objects.get(pk=build_id).status in ("done", "failed"), seconds=60)
    build = RosterBuild.objects.get(pk=build_id)
    assert build.status == "done", build.error
    assert Shift.objects.filter(roster=build.roster).count() == 14
    time.sleep(0.1)
