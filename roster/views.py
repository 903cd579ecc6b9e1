"""Pages for agents: their own shifts, confirming and checking in."""

import datetime
from itertools import groupby

from django.conf import settings
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

from hotline.fields import month_label
from roster import policy, selectors, services
from roster.calendar import agent_calendar
from roster.forms import AgentSettingsForm, DutyLogForm, LeaveRequestForm, WishForm
from roster.models import (
    Agent,
    Assignment,
    DutyLogEntry,
    Escalation,
    Leave,
    Notification,
    Roster,
    Shift,
    Swap,
    Wish,
)
from roster.notifications import escalation
from roster.services import RosterError, assignment_decline

PAST_DAYS = 30


def request_agent(request):
    """The agent signed in, or a 404: agents' pages mean nothing to other users."""
    agent = policy.agent_of(request.user)
    if agent is None:
        raise Http404("No agent is linked to this account.")
    return agent


@never_cache
def my_shifts(request):
    agent = request_agent(request)
    return render_my_shifts(request, agent)


def render_my_shifts(request, agent):
    now = timezone.now()
    # Every published shift ahead, not a few weeks: SMS in December already speak of January.
    upcoming = list(
        agent.assignments.filter(shift__roster__status=Roster.Status.PUBLISHED, end__gt=now)
        .select_related("shift__line__hotline")
        .order_by("start")
    )
    offered = set(
        Swap.objects.open().filter(assignment__in=[a.pk for a in upcoming]).values_list("assignment_id", flat=True)
    )
    for assignment in upcoming:
        assignment.check_out_open = assignment.can_check_out(now)
        assignment.offered = assignment.pk in offered
        assignment.offer_open = (
            assignment.start > now and assignment.status not in Assignment.NOT_HOLDING and not assignment.offered
        )
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
    past = list(
        agent.assignments.filter(
            shift__roster__status=Roster.Status.PUBLISHED,
            end__lte=now,
            end__gt=now - datetime.timedelta(days=PAST_DAYS),
        )
        .exclude(status__in=Assignment.NOT_HOLDING)
        .select_related("shift__line")
        .order_by("-start")
    )
    colleagues_offers = (
        Swap.objects.filter(status=Swap.Status.OFFERED, shift__line__in=agent.lines.all(), shift__start__gt=now)
        .exclude(offered_by=agent)
        .select_related("shift__line", "offered_by")
        .order_by("shift__start")
    )
    my_offers = (
        Swap.objects.open().filter(offered_by=agent).select_related("shift__line", "taken_by").order_by("shift__start")
    )
    return render(
        request,
        "roster/my_shifts.html",
        {
            "colleagues_offers": colleagues_offers,
            "past": past,
            "past_hours": sum((a.end - a.start).total_seconds() for a in past) / 3600,
            "past_days": PAST_DAYS,
            "my_offers": my_offers,
            "agent": agent,
            "upcoming": upcoming,
            "upcoming_months": [
                (month_label(month), list(assignments))
                for month, assignments in groupby(upcoming, key=lambda a: timezone.localdate(a.start).replace(day=1))
            ],
            "on_duty_now": on_duty_now,
            "now": now,
        },
    )


def own_assignment(request, pk):
    agent = request_agent(request)
    return get_object_or_404(Assignment.objects.select_related("shift__line"), pk=pk, agent=agent)


@require_POST
def check_in(request, pk):
    assignment = own_assignment(request, pk)
    try:
        assignment.check_in()
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        escalation.resolve(timezone.now(), shifts=[assignment.shift_id])
        messages.success(request, _("Checked in. Thank you!"))
    return redirect("home")


def own_action(request, pk, act, done, then):
    """Run an agent's action on their own assignment and say how it went."""
    assignment = own_assignment(request, pk)
    try:
        act(assignment)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, done)
    return redirect(then)


@require_POST
def confirm(request, pk):
    return own_action(request, pk, Assignment.confirm, _("Shift confirmed."), "home")


LOG_PAGE_SIZE = 50


def notification_log(request):
    """Who was told what, on which channel, when, and whether it arrived: for directors."""
    if not policy.is_manager(request.user):
        raise PermissionDenied
    notifications = selectors.notification_log(request.user)
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
        Escalation.objects.open().filter(shift__line__in=policy.managed_lines(request.user)), pk=pk
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
    agent = request_agent(request)
    agent.reset_calendar_token()
    messages.success(request, _("Your calendar has a new address. Subscribe to it again on your phone."))
    return redirect("my_shifts")


@require_POST
def check_out(request, pk):
    return own_action(request, pk, Assignment.check_out, _("Checked out. Thank you for your shift!"), "my_shifts")


@require_POST
def offer_swap(request, pk):
    assignment = own_assignment(request, pk)
    try:
        services.swap_offer(assignment=assignment, note=request.POST.get("note", "")[:200])
    except RosterError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Your shift is offered to the colleagues of the line."))
    return redirect("my_shifts")


def agent_swap(request, pk) -> tuple[Agent, Swap]:
    agent = request_agent(request)
    swap = get_object_or_404(
        Swap.objects.filter(Q(offered_by=agent) | Q(shift__line__in=agent.lines.all())).distinct(), pk=pk
    )
    return agent, swap


@require_POST
def take_swap(request, pk):
    agent, swap = agent_swap(request, pk)
    breaches = services.explained_breaches(shift=swap.shift, agent=agent, replacing=swap.offered_by)
    if breaches:
        messages.error(request, _("You cannot take this shift: %(why)s") % {"why": " ".join(breaches)})
        return redirect("my_shifts")
    try:
        swap = services.swap_take(swap=swap, agent=agent)
    except RosterError as e:
        messages.error(request, _("You cannot take this shift: %(why)s") % {"why": e})
    else:
        if swap.status == Swap.Status.DONE:
            messages.success(request, _("The shift is yours."))
        else:
            messages.success(request, _("You took the shift; it is yours once a director approves."))
    return redirect("my_shifts")


@require_POST
def withdraw_swap(request, pk):
    agent, swap = agent_swap(request, pk)
    if swap.offered_by_id != agent.pk:
        raise PermissionDenied
    try:
        services.swap_withdraw(swap=swap)
    except RosterError as e:
        messages.error(request, str(e))
    return redirect("my_shifts")


@never_cache
def my_leave(request):
    agent = request_agent(request)
    form = LeaveRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_request(agent=agent, by=request.user, **form.cleaned_data)
        except RosterError as e:
            form.add_error("start", str(e))
        else:
            messages.success(request, _("Your leave request is sent to your director."))
            return redirect("my_leave")
    leaves = agent.leaves.order_by("-start")[:50]
    return render(request, "roster/my_leave.html", {"form": form, "leaves": leaves}, status=400 if form.errors else 200)


@require_POST
def withdraw_leave(request, pk):
    leave = get_object_or_404(Leave, pk=pk, agent__user=request.user)
    try:
        services.leave_withdraw(leave=leave, by=request.user)
    except PermissionDenied as e:
        messages.error(request, str(e))
    messages.success(request, _("Your leave request is withdrawn."))
    return redirect("my_leave")


@never_cache
def my_settings(request):
    agent = request_agent(request)
    form = AgentSettingsForm(request.POST or None, instance=agent)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your settings are saved."))
        response = redirect("my_settings")
        # The site follows the agent's language from now on.
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, agent.language, max_age=365 * 24 * 3600)
        return response
    return render(request, "roster/my_settings.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
def my_wishes(request):
    """The agent's wishes for the days ahead, which the next roster build weighs."""
    agent = request_agent(request)
    today = timezone.localdate()
    form = WishForm(request.POST or None, agent=agent, today=today)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your wish is noted; the next roster weighs it."))
        return redirect("my_wishes")
    wishes = agent.wishes.filter(date__gt=today)
    return render(
        request, "roster/my_wishes.html", {"form": form, "wishes": wishes}, status=400 if form.errors else 200
    )


@require_POST
def remove_wish(request, pk):
    wish = get_object_or_404(Wish, pk=pk, agent__user=request.user)
    wish.delete()
    messages.success(request, _("Your wish is removed."))
    return redirect("my_wishes")


# Duty log -----------------------------------------------------------------------------------------


def log_access(request, shift, on_duty) -> bool:
    """Managers of the line read and write; agents on the shift write during it (and a while after).

    on_duty is the shift's holding assignments with their agents, which the page lists anyway:
    an agent's access is read from them rather than asked again."""
    if policy.can_manage_line(request.user, shift.line):
        return True
    return any(assignment.agent.user_id == request.user.pk for assignment in on_duty)


@never_cache
def shift_log(request, pk):
    shift = get_object_or_404(Shift.objects.published().select_related("line__hotline"), pk=pk)
    on_duty = shift.assignments.exclude(status__in=Assignment.NOT_HOLDING).select_related("agent")
    if not log_access(request, shift, on_duty):
        raise Http404("Not your shift.")
    form = DutyLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = form.save(commit=False)
        entry.shift, entry.author = shift, request.user
        entry.save()
        messages.success(request, _("Written in the duty log."))
        return redirect("shift_log", pk=shift.pk)
    previous = Shift.objects.published().filter(line=shift.line, start__lt=shift.start).order_by("-start").first()
    handover = (
        previous.log_entries.filter(kind=DutyLogEntry.Kind.HANDOVER).select_related("author__agent") if previous else []
    )
    return render(
        request,
        "roster/shift_log.html",
        {
            "shift": shift,
            "entries": shift.log_entries.select_related("author__agent"),
            "previous": previous,
            "handover": handover,
            "form": form,
            "on_duty": on_duty,
        },
        status=400 if form.errors else 200,
    )


@never_cache
def line_log(request, pk):
    """The duty log of a line, day by day, for its directors."""
    line = get_object_or_404(policy.managed_lines(request.user).select_related("hotline"), pk=pk)
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
    shifts = (
        Shift.objects.published()
        .filter(line=line)
        .overlapping(start, start + datetime.timedelta(days=1))
        .prefetch_related(Prefetch("log_entries", queryset=DutyLogEntry.objects.select_related("author__agent")))
        .order_by("start")
    )
    return render(
        request,
        "roster/line_log.html",
        {
            "line": line,
            "day": day,
            "shifts": shifts,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
        },
    )
