"""Pages about hotlines and lines: the home page, the directors' dashboard, a line's roster, health."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app
from hotline import permissions
from hotline.models import CallRecord
from roster.duty import on_call_board
from roster.models import Assignment, Escalation, Notification, Shift
from roster.views import render_my_shifts

HEATMAP_DAYS = 14
LINE_DAYS = 14


class LineStatus:
    """What the dashboard shows for one line: who is on now, what comes next, where gaps are."""

    def __init__(self, line, shifts, now, board_entry, days):
        self.line = line
        self.current_shifts = [s for s in shifts if s.is_on_at(now)]
        self.on_duty = [a for s in self.current_shifts for a in s.assignments.all()]
        self.required_now = line.required_at(now)
        # The same rule as oncall/ and escalation: enough agents hold the shift and, once the
        # grace period is over, enough of them have checked in.
        self.staffed = bool(board_entry and board_entry["staffed"])
        self.next_shifts = [s for s in shifts if s.start > now][:3]
        self.gaps = [s for s in shifts if s.end > now and s.missing > 0]
        self.missing_places = sum(s.missing for s in self.gaps)
        self.heatmap = heatmap(line, shifts, timezone.localdate(now), days)
        self.missed_today = 0


def heatmap(line, shifts, first_day, days):
    """Days × hours: agents holding a shift against agents required, hour by hour."""
    tz = timezone.get_current_timezone()
    rows = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        cells = []
        for hour in range(24):
            moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)
            required = line.required_at(moment)
            held = sum(
                1
                for shift in shifts
                if shift.start <= moment < shift.end
                for a in shift.assignments.all()
                if a.status not in Assignment.NOT_HOLDING
            )
            if not required:
                level = "none"
            elif held >= required:
                level = "full"
            elif held:
                level = "short"
            else:
                level = "empty"
            cells.append({"hour": hour, "required": required, "held": held, "level": level})
        rows.append({"day": day, "cells": cells})
    return rows


def shifts_with_assignments(lines, start, end):
    """Published shifts of these lines overlapping [start, end), each with .missing set."""
    shifts = list(
        Shift.objects.published()
        .overlapping(start, end)
        .filter(line__in=lines)
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("agent").order_by("agent__full_name"),
            )
        )
        .order_by("start")
    )
    for shift in shifts:
        holding = [a for a in shift.assignments.all() if a.status not in Assignment.NOT_HOLDING]
        shift.missing = max(0, shift.required - len(holding))
    return shifts


@never_cache
def home(request):
    """Managers get the dashboard of their lines; agents get their own shifts."""
    if permissions.is_manager(request.user):
        return dashboard(request)
    agent = permissions.agent_of(request.user)
    if agent:
        return render_my_shifts(request, agent)
    return render(request, "hotline/no_role.html", status=403)


def dashboard(request):
    now = timezone.now()
    lines = list(
        permissions.managed_lines(request.user)
        .filter(active=True, hotline__active=True)
        .select_related("hotline", "unit")
        .prefetch_related("staffing")
    )
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time.min))
    shifts = shifts_with_assignments(lines, midnight, midnight + datetime.timedelta(days=HEATMAP_DAYS))
    by_line = {line.pk: [] for line in lines}
    for shift in shifts:
        by_line[shift.line_id].append(shift)
    board = {(entry["hotline"], entry["line"]): entry for entry in on_call_board(now)}
    statuses = [
        LineStatus(line, by_line[line.pk], now, board.get((line.hotline.number, line.digit)), HEATMAP_DAYS)
        for line in lines
    ]
    missed = dict(
        CallRecord.objects.missed()
        .filter(line__in=lines, started_at__gte=midnight)
        .values_list("line")
        .annotate(count=Count("pk"))
    )
    for status in statuses:
        status.missed_today = missed.get(status.line.pk, 0)
    failures = (
        Notification.objects.filter(
            status=Notification.Status.FAILED,
            created_at__gte=now - datetime.timedelta(days=7),
            agent__in=permissions.managed_agents(request.user).values("pk"),
        )
        .select_related("agent")
        .order_by("-created_at")[:5]
    )
    escalations = (
        Escalation.objects.open().filter(shift__line__in=lines).select_related("shift__line", "unit", "acknowledged_by")
    )
    return render(
        request,
        "hotline/dashboard.html",
        {
            "statuses": statuses,
            "escalations": escalations,
            "failures": failures,
            "hours": range(24),
            "now": now,
            "days": HEATMAP_DAYS,
            "agent": permissions.agent_of(request.user),
        },
    )


def line_detail(request, pk):
    line = get_object_or_404(
        permissions.managed_lines(request.user).select_related("hotline", "unit"),
        pk=pk,
    )
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
    shifts = shifts_with_assignments([line], start, start + datetime.timedelta(days=LINE_DAYS))
    days = {}
    for shift in shifts:
        days.setdefault(timezone.localtime(shift.start).date(), []).append(shift)
    return render(
        request,
        "hotline/line_detail.html",
        {"line": line, "days": days, "missing_places": sum(s.missing for s in shifts), "period": LINE_DAYS},
    )


@login_not_required
@never_cache
def healthz(request):
    """200 when the database and the broker answer; 503 naming whichever is down."""
    status = {"db": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        status["db"] = "down"
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    except Exception:
        # Any failure to reach the broker, whatever the transport raises, means "down".
        status["broker"] = "down"
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


BOARD_REFRESH_SECONDS = 15


@never_cache
def board(request, number):
    """The call centre's wall screen: who is on duty now on each line, refreshing itself."""
    hotline = get_object_or_404(permissions.visible_hotlines(request.user), number=number, active=True)
    now = timezone.now()
    entries = [entry for entry in on_call_board(now) if entry["hotline"] == hotline.number]
    context = {"hotline": hotline, "entries": entries, "now": now, "refresh": BOARD_REFRESH_SECONDS}
    if request.headers.get("HX-Request"):
        return render(request, "hotline/_board_lines.html", context)
    return render(request, "hotline/board.html", context)
