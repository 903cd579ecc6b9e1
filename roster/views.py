"""Pages for agents: their own shifts."""

import datetime

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from hotline import permissions
from roster.models import Assignment, Roster, Shift

UPCOMING_DAYS = 30


@never_cache
def my_shifts(request):
    agent = permissions.agent_of(request.user)
    if agent is None:
        raise Http404("No agent is linked to this account.")
    return render_my_shifts(request, agent)


def render_my_shifts(request, agent):
    now = timezone.now()
    upcoming = (
        agent.assignments.filter(
            shift__roster__status=Roster.Status.PUBLISHED,
            end__gt=now,
            start__lt=now + datetime.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("shift__line__hotline")
        .order_by("start")
    )
    on_duty_now = (
        Shift.objects.published()
        .at(now)
        .filter(line__in=agent.lines.all())
        .select_related("line")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.exclude(status__in=Assignment.NOT_HOLDING).select_related("agent"),
            )
        )
    )
    return render(
        request,
        "roster/my_shifts.html",
        {
            "agent": agent,
            "upcoming": upcoming,
            "on_duty_now": on_duty_now,
            "now": now,
            "days": UPCOMING_DAYS,
        },
    )
