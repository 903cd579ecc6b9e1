"""An agent's shifts as an RFC 5545 calendar, for the phone's calendar app to subscribe to."""

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from roster.models import Assignment, Roster

PAST_DAYS = 60
FUTURE_DAYS = 400


def agent_calendar(agent, now=None) -> bytes:
    now = now or timezone.now()
    assignments = (
        agent.assignments.filter(
            shift__roster__status=Roster.Status.PUBLISHED,
            end__gt=now - datetime.timedelta(days=PAST_DAYS),
            start__lt=now + datetime.timedelta(days=FUTURE_DAYS),
        )
        .select_related("shift__line__hotline")
        .order_by("start")
    )
    with translation.override(agent.language):
        calendar = Calendar()
        calendar.add("prodid", "-//Truc Ban//Duty roster//VI")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Duty shifts – %(name)s") % {"name": agent.full_name})
        calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
        # Calendar apps poll a subscription; ask for a fresh copy every hour (RFC 7986).
        calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        for assignment in assignments:
            calendar.add_component(shift_event(assignment, now))
    return calendar.to_ical()


def shift_event(assignment: Assignment, now) -> Event:
    line = assignment.shift.line
    event = Event()
    # Stable per assignment, so a change updates the event instead of adding one.
    event.add("uid", f"assignment-{assignment.pk}@trucban")
    event.add("dtstamp", now)
    event.add("dtstart", assignment.start)
    event.add("dtend", assignment.end)
    event.add(
        "summary",
        _("On duty: line %(digit)s – %(label)s") % {"digit": line.digit, "label": line.label},
    )
    event.add("location", f"{line.hotline.name} ({line.hotline.number})")
    event.add(
        "description",
        _("Hotline %(number)s, line %(digit)s. Status: %(status)s.")
        % {"number": line.hotline.number, "digit": line.digit, "status": assignment.get_status_display()},
    )
    declined = assignment.status in Assignment.NOT_HOLDING
    event.add("status", "CANCELLED" if declined else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if declined else "OPAQUE")
    return event
