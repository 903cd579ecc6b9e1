"""Pages for agents: their own shifts, confirming and checking in."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotline import permissions
from roster import escalation
from roster.calendar import agent_calendar
from roster.models import Agent, Assignment, Escalation, Notification, Roster, Shift
from roster.services import RosterError, assignment_decline

UPCOMING_DAYS = 30


@never_cache
def my_shifts(request):
    agent = permissions.agent_of(request.user)
    if agent is None:
        raise Http404("No agent is linked to this account.")
    return render_my_shifts(request, agent)


def render_my_shifts(request, agent):
    now = timezone.now()
    upcoming = list(
        agent.assignments.filter(
            shift__roster__status=Roster.Status.PUBLISHED,
            end__gt=now,
            start__lt=now + datetime.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("shift__line__hotline")
        .order_by("start")
    )
    for assignment in upcoming:
        assignment.check_in_open = assignment.can_check_in(now)
        assignment.confirm_open = assignment.can_confirm(now)
        assignment.decline_open = assignment.start > now and assignment.status in (
            Assignment.Status.ASSIGNED,
            Assignment.Status.CONFIRMED,
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


def own_assignment(request, pk):
    agent = permissions.agent_of(request.user)
    if agent is None:
        raise Http404("No agent is linked to this account.")
    return get_object_or_404(Assignment.objects.select_related("shift__line"), pk=pk, agent=agent)


@require_POST
def check_in(request, pk):
    assignment = own_assignment(request, pk)
    try:
        assignment.check_in()
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        escalation.resolve(timezone.now())
        messages.success(request, _("Checked in. Thank you!"))
    return redirect("home")


@require_POST
def confirm(request, pk):
    assignment = own_assignment(request, pk)
    try:
        assignment.confirm()
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Shift confirmed."))
    return redirect("home")


LOG_PAGE_SIZE = 50


def notification_log(request):
    """Who was told what, on which channel, when, and whether it arrived: for directors."""
    if not permissions.is_manager(request.user):
        raise PermissionDenied
    notifications = (
        Notification.objects.filter(
            Q(agent__in=permissions.managed_agents(request.user).values("pk")) | Q(user=request.user)
        )
        .select_related("agent")
        .order_by("-created_at", "-pk")
    )
    status = request.GET.get("status")
    if status in Notification.Status.values:
        notifications = notifications.filter(status=status)
    page = Paginator(notifications, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "roster/notification_log.html",
        {"page": page, "status": status, "statuses": Notification.Status.choices},
    )


@require_POST
def decline(request, pk):
    assignment = own_assignment(request, pk)
    try:
        assignment_decline(assignment=assignment, by=request.user)
    except RosterError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Shift declined; your director has been told."))
    return redirect("home")


@require_POST
def acknowledge_escalation(request, pk):
    """A director takes an escalation in hand, which stops it climbing further."""
    open_escalation = get_object_or_404(
        Escalation.objects.open().filter(shift__line__in=permissions.managed_lines(request.user)), pk=pk
    )
    open_escalation.acknowledge(request.user)
    messages.success(request, _("You have taken this in hand; it will not be escalated further."))
    return redirect("home")


@login_not_required
def calendar_feed(request, token):
    """The agent's shifts for their calendar app: the secret token in the address is the key."""
    agent = get_object_or_404(Agent, calendar_token=token, active=True)
    response = HttpResponse(agent_calendar(agent), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="trucban.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
def reset_calendar(request):
    """A new calendar address; the old one stops working (a lost phone, a shared link)."""
    agent = permissions.agent_of(request.user)
    if agent is None:
        raise Http404("No agent is linked to this account.")
    agent.reset_calendar_token()
    messages.success(request, _("Your calendar has a new address. Subscribe to it again on your phone."))
    return redirect("my_shifts")
