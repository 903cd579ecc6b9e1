"""The calendar feed /ical/<token>.ics (RFC 5545) and its reset."""

from django.contrib.auth import get_user_model
from django.test import Client
from icalendar import Calendar

from roster.models import Agent, Assignment


def feed(client, agent):
    return client.get(f"/ical/{agent.calendar_token}.ics")


def test_the_feed_lists_the_agents_published_shifts_without_signing_in(demo):
    agent = Agent.objects.get(user__username="agent")
    response = feed(Client(), agent)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    live = Assignment.objects.filter(agent=agent, is_live=True)
    assert set(events) == {f"assignment-{a.pk}@trucban" for a in live}
    first = live.order_by("start").first()
    event = events[f"assignment-{first.pk}@trucban"]
    assert event.decoded("dtstart") == first.start
    assert event.decoded("dtend") == first.end
    assert f"{first.shift.line.digit}" in str(event["summary"])


def test_a_declined_shift_is_cancelled_in_the_calendar(demo):
    agent = Agent.objects.get(user__username="agent")
    assignment = agent.assignments.filter(is_live=True).order_by("-start").first()
    assignment.status = Assignment.Status.DECLINED
    assignment.save()
    calendar = Calendar.from_ical(feed(Client(), agent).content)
    event = next(e for e in calendar.walk("VEVENT") if str(e["uid"]) == f"assignment-{assignment.pk}@trucban")
    assert str(event["status"]) == "CANCELLED"


def test_an_unknown_token_is_a_404(demo):
    assert Client().get("/ical/not-a-token.ics").status_code == 404


def test_resetting_the_address_kills_the_old_one(login):
    client = login("agent")
    agent = Agent.objects.get(user__username="agent")
    old = agent.calendar_token
    response = client.post("/me/calendar/reset/")
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.calendar_token != old
    assert Client().get(f"/ical/{old}.ics").status_code == 404
    assert feed(Client(), agent).status_code == 200


def test_my_shifts_shows_the_calendar_address(login):
    agent = Agent.objects.get(user__username="agent")
    page = login("agent").get("/me/shifts/").content.decode()
    assert f"/ical/{agent.calendar_token}.ics" in page


def test_a_user_without_an_agent_cannot_reset(login):
    get_user_model().objects.create_user("nobody", password="x")
    client = login("operator")
    assert client.post("/me/calendar/reset/").status_code == 404
