"""Pages about hotlines and lines: the home page, the directors' dashboard, a line's roster, health."""

import datetime
import io
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from config.celery import app as celery_app
from hotline import exports, metrics, staffing
from hotline.calls import UnreadableFormat, import_calls
from hotline.forms import CalculatorForm, CallImportForm, MonthForm
from hotline.models import CallRecord, Hotline, Line, new_board_key
from monitoring.health import beat_health, outbox_late_since
from roster import policy
from roster.duty import on_call_board, with_phones
from roster.models import Assignment, Escalation, Notification, Shift
from roster.names import person_name
from roster.views import render_my_shifts
from switchboard import status as switchboard_status
from switchboard.models import LineFollow, Switchboard

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
        self.not_checked_in = bool(board_entry and board_entry["awaiting_check_in"])
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
                queryset=Assignment.objects.select_related("agent")
                .prefetch_related("presence_events")
                .order_by("agent__full_name"),
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
    if policy.is_manager(request.user):
        return dashboard(request)
    agent = policy.agent_of(request.user)
    if agent:
        return render_my_shifts(request, agent)
    return render(request, "hotline/no_role.html", status=403)


# The dashboard asks this often for open escalations, which the switchboard may raise any second.
ESCALATIONS_REFRESH_SECONDS = 10


def open_escalations(lines):
    return (
        Escalation.objects.open()
        .filter(shift__line__in=lines)
        .select_related("shift__line", "unit", "acknowledged_by__agent")
    )


def dashboard(request):
    now = timezone.now()
    if request.GET.get("part") == "escalations":
        lines = policy.managed_lines(request.user).filter(active=True, hotline__active=True)
        context = {"escalations": open_escalations(lines), "escalations_refresh": ESCALATIONS_REFRESH_SECONDS}
        return render(request, "hotline/_escalations.html", context)
    lines = list(
        policy.managed_lines(request.user)
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
    phones = policy.phone_rule(request.user)
    for status in statuses:
        status.missed_today = missed.get(status.line.pk, 0)
        for assignment in status.on_duty:
            assignment.phone_shown = phones.shows(unit_id=assignment.agent.unit_id, line_id=status.line.pk)
    failures = (
        Notification.objects.filter(
            status=Notification.Status.FAILED,
            created_at__gte=now - datetime.timedelta(days=7),
            agent__in=policy.managed_agents(request.user).values("pk"),
        )
        .select_related("agent")
        .order_by("-created_at")[:5]
    )
    escalations = open_escalations(lines)
    operated = policy.operated_hotlines(request.user).filter(active=True)
    return render(
        request,
        "hotline/dashboard.html",
        {
            "statuses": statuses,
            "escalations": escalations,
            "escalations_refresh": ESCALATIONS_REFRESH_SECONDS,
            "failures": failures,
            "hours": range(24),
            "now": now,
            "days": HEATMAP_DAYS,
            "agent": policy.agent_of(request.user),
            "operated_hotlines": operated.order_by("number"),
            "switchboards": Switchboard.objects.filter(hotline__in=operated)
            .select_related("hotline")
            .with_changes_today(now)
            .order_by("hotline__number"),
            # Nobody is reminded or escalated to while the beat is stopped: those who watch must know.
            "beat_stopped_since": beat_health(now).stopped_since,
        },
    )


def line_detail(request, pk):
    line = get_object_or_404(
        policy.managed_lines(request.user).select_related("hotline", "unit"),
        pk=pk,
    )
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
    shifts = shifts_with_assignments([line], start, start + datetime.timedelta(days=LINE_DAYS))
    days = {}
    for shift in shifts:
        days.setdefault(timezone.localtime(shift.start).date(), []).append(shift)
    switchboard_follow = None
    if line.queue and Switchboard.objects.filter(hotline=line.hotline_id).exists():
        switchboard_follow = {
            "follows": LineFollow.follows(line),
            "may_change": policy.operated_hotlines(request.user).filter(pk=line.hotline_id).exists(),
        }
    return render(
        request,
        "hotline/line_detail.html",
        {
            "line": line,
            "days": days,
            "missing_places": sum(s.missing for s in shifts),
            "period": LINE_DAYS,
            "switchboard_follow": switchboard_follow,
        },
    )


@require_POST
def line_switchboard_follow(request, pk):
    """The hotline's operator switches off (or on again) the queue following the roster for one
    line, e.g. while the switchboard's members are managed by hand for an event."""
    line = get_object_or_404(Line.objects.filter(hotline__in=policy.operated_hotlines(request.user)), pk=pk)
    follows = request.POST.get("follows") == "on"
    LineFollow.choose(line, follows)
    if follows:
        messages.success(request, _("The queue of line %(digit)s follows the roster again.") % {"digit": line.digit})
    else:
        messages.success(
            request,
            _("The queue of line %(digit)s no longer follows the roster: the agents Trực Ban added leave it.")
            % {"digit": line.digit},
        )
    return redirect("line_detail", pk=line.pk)


@login_not_required
@never_cache
def healthz(request):
    """200 when the database and the broker answer, the beat runs and the outbox moves; 503 naming
    whichever is down or late.

    `?scope=web` asks only what this web process needs (the database, the broker): the probe of
    a load balancer, which must not take every web server out because the beat stopped."""
    status = {"db": "ok", "broker": "ok"}
    web_only = request.GET.get("scope") == "web"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        status["db"] = "down"
    if status["db"] == "ok" and not web_only:
        now = timezone.now()
        beat = beat_health(now)
        status["beat"] = "ok"
        if beat.stopped_since:
            status["beat"] = f"stopped {timezone.localtime(beat.stopped_since):%H:%M}"
        elif beat.late:
            status["beat"] = f"late {timezone.localtime(min(beat.late.values())):%H:%M}"
        outbox_late = outbox_late_since(now)
        status["outbox"] = f"late {timezone.localtime(outbox_late):%H:%M}" if outbox_late else "ok"
        # Only where a hotline has an AMI switchboard: the connector is then a process to watch.
        if (down := switchboard_status.health(now)) is not None:
            status["switchboard"] = "down" if down else "ok"
            if down:
                status["switchboard_down"] = down
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    except Exception:
        # Any failure to reach the broker, whatever the transport raises, means "down".
        status["broker"] = "down"
    healthy = all(value == "ok" for value in status.values())
    if status.get("beat", "ok") != "ok":
        status["beat_jobs"] = beat.ages
    return JsonResponse(status, status=200 if healthy else 503)


BOARD_REFRESH_SECONDS = 15


@login_not_required
@never_cache
def board(request, number):
    """The call centre's wall screen: who is on duty now on each line, refreshing itself.

    Whoever may read the hotline's on-duty list may open it, seeing the phones they may see.
    A wall screen nobody signs in to opens it with the hotline's key, and sees no phone."""
    key = request.GET.get("key")
    if key is not None:
        hotline = get_object_or_404(Hotline.objects.dialled(number), active=True)
        if not secrets.compare_digest(key.encode(), hotline.board_key.encode()):
            raise Http404
        phones = policy.PhoneRule()
        refresh_url = f"{reverse('board', args=[number])}?{urlencode({'key': key})}"
    elif request.user.is_authenticated:
        hotline = get_object_or_404(policy.visible_hotlines(request.user).dialled(number), active=True)
        phones = policy.phone_rule(request.user)
        refresh_url = reverse("board", args=[number])
    else:
        return redirect_to_login(request.get_full_path())
    now = timezone.now()
    entries = with_phones([entry for entry in on_call_board(now) if entry["hotline"] == hotline.number], phones)
    # Not from the shared cached board: a caller waiting with nobody to answer shows at the next refresh.
    line_ids = [entry["line_id"] for entry in entries]
    waiting = switchboard_status.callers_waiting(line_ids)
    escalated = {e.shift.line_id: e.opened_at for e in open_escalations(line_ids)}
    for entry in entries:
        entry.update(waiting.get(entry["line_id"], {}), escalated_at=escalated.get(entry["line_id"]))
    context = {
        "hotline": hotline,
        "entries": entries,
        "now": now,
        "refresh": BOARD_REFRESH_SECONDS,
        "refresh_url": refresh_url,
        "by_key": key is not None,
    }
    if request.headers.get("HX-Request"):
        return render(request, "hotline/_board_lines.html", context)
    return render(request, "hotline/board.html", context)


@require_POST
def reset_board_key(request, pk):
    """Give the hotline's wallboard a new key: the old address stops working at once."""
    hotline = get_object_or_404(policy.operated_hotlines(request.user), pk=pk)
    hotline.board_key = new_board_key()
    hotline.save(update_fields=["board_key"])
    messages.success(request, _("The wall screen has a new address; the old one no longer works."))
    return redirect("home")


# Calls ---------------------------------------------------------------------------------------------

REJECTED_SHOWN = 50


@never_cache
def calls(request):
    """Calls per line for a day: by hour (chart), by shift with who was on duty, the missed
    calls; and the upload of the switchboard's records."""
    if not policy.is_manager(request.user):
        raise PermissionDenied
    lines = list(
        policy.managed_lines(request.user)
        .filter(active=True)
        .select_related("hotline", "unit")
        .order_by("hotline__number", "digit")
    )
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    form = CallImportForm(request.POST or None, request.FILES or None, hotlines=policy.operated_hotlines(request.user))
    result = None
    if request.method == "POST" and form.is_valid():
        result, error = import_uploaded_calls(request, form)
        if error:
            form.add_error("file", error)
    start = metrics.local_day_start(day)
    shifts = shifts_with_assignments(lines, start, start + datetime.timedelta(days=1))
    rows = []
    for line in lines:
        hours = metrics.by_hour(line, day)
        line_shifts = [s for s in shifts if s.line_id == line.pk and s.start < start + datetime.timedelta(days=1)]
        rows.append(
            {
                "line": line,
                "total": metrics.total(hours),
                "chart": {
                    "answered": [h.answered for h in hours],
                    "missed": [h.missed for h in hours],
                },
                "shifts": metrics.by_shift(line, line_shifts),
            }
        )
    missed = (
        CallRecord.objects.missed()
        .filter(line__in=lines, started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1))
        .select_related("line")
        .order_by("-started_at")[:200]
    )
    return render(
        request,
        "hotline/calls.html",
        {
            "rows": rows,
            "day": day,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "missed": missed,
            "form": form,
            "result": result,
            "rejected_shown": REJECTED_SHOWN,
            "operated_hotlines": policy.operated_hotlines(request.user).filter(active=True).order_by("number"),
        },
        status=400 if form.errors else 200,
    )


def import_uploaded_calls(request, form):
    """Import an uploaded file, into the lines the user manages only; (result, error)."""
    upload = form.cleaned_data["file"]
    text = io.TextIOWrapper(upload.file, encoding="utf-8-sig", errors="replace", newline="")
    try:
        result = import_calls(
            text,
            form.cleaned_data["format"],
            hotline=form.cleaned_data["hotline"],
            allowed_lines=policy.managed_lines(request.user),
        )
    except UnreadableFormat as e:
        return None, str(e)
    return result, None


@never_cache
def calls_report(request):
    """The monthly report the provincial People's Committee asks for: calls, answer rate,
    missed calls by line and shift, staffing against requirement; printable or XLSX."""
    if not policy.is_manager(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    # Without a month (or with one that is not one), this month.
    month_form = MonthForm(request.GET if "month" in request.GET else None, initial={"month": today})
    month = month_form.cleaned_data["month"] if month_form.is_valid() else today.replace(day=1)
    first, last = metrics.month_bounds(month.year, month.month)
    lines = policy.managed_lines(request.user).filter(active=True).select_related("hotline__unit__parent", "unit")
    if request.GET.get("hotline"):
        lines = lines.filter(hotline__number=request.GET["hotline"])
    lines = list(lines.prefetch_related("staffing").order_by("hotline__number", "digit"))
    start = metrics.local_day_start(first)
    shifts = shifts_with_assignments(lines, start, metrics.local_day_start(last + datetime.timedelta(days=1)))
    now = timezone.now()
    months = [metrics.line_month(line, [s for s in shifts if s.line_id == line.pk], first, last, now) for line in lines]
    month_end = metrics.local_day_start(last + datetime.timedelta(days=1))
    hotlines = sorted({line.hotline for line in lines}, key=lambda h: h.number)
    issuer = report_issuer(request.user, hotlines)
    signer = issuer.directors.order_by("pk").first() if issuer else None
    report = {
        "months": months,
        "total": metrics.total(m.metrics for m in months),
        "first": first,
        "last": last,
        "today": today,
        # Staffing counts the hours begun so far; the report says so while the month runs.
        "counted_until": timezone.localtime(now) if now < month_end else None,
        "place": settings.DOCUMENT_PLACE,
        "issuer": issuer,
        "signer": person_name(signer) if signer else "",
        "hotlines": hotlines,
    }
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.calls_report_xlsx(**report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="bao-cao-cuoc-goi-{first:%Y-%m}.xlsx"'
        return response
    issuers = [issuer.name] if issuer else []
    return render(request, "hotline/calls_report.html", {**report, "issuers": issuers, "month_form": month_form})


def report_issuer(user, hotlines):
    """The one unit that issues the report: the unit that runs the hotline, for its operator
    (or an administrator); a director who does not run it reports for their own unit."""
    operated = set(policy.operated_hotlines(user).values_list("pk", flat=True))
    own = user.directed_units.order_by("pk").first()
    if hotlines and (hotlines[0].pk in operated or own is None):
        return hotlines[0].unit
    return own


# Staffing ------------------------------------------------------------------------------------------


@never_cache
def staffing_calculator(request):
    """Erlang C for any figures: how many agents a call rate needs."""
    form = CalculatorForm(request.GET or None)
    result = staffing.agents_needed(**form.cleaned_data) if form.is_valid() else None
    return render(
        request,
        "hotline/staffing_calculator.html",
        {"form": form, "result": result},
        status=400 if form.errors else 200,
    )


@never_cache
def line_staffing(request, pk):
    """The agents a line needs each weekday and hour from its call history, beside its current
    requirements; a director applies them as the line's staffing requirements."""
    line = get_object_or_404(
        policy.managed_lines(request.user).select_related("hotline").prefetch_related("staffing"), pk=pk
    )
    try:
        weeks = min(52, max(1, int(request.POST.get("weeks") or request.GET.get("weeks") or staffing.DEFAULT_WEEKS)))
    except ValueError:
        weeks = staffing.DEFAULT_WEEKS
    needs = staffing.needs_from_history(line, weeks=weeks)
    if request.method == "POST":
        staffing.apply_needs(needs)
        messages.success(request, _("The line's staffing requirements now follow its calls."))
        return redirect("line_staffing", pk=line.pk)
    tz = timezone.get_current_timezone()
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    grid = []
    for weekday in range(7):
        day = monday + datetime.timedelta(days=weekday)
        cells = []
        for hour in range(24):
            need = needs.hours[weekday * 24 + hour]
            current = line.required_at(datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz))
            cells.append({"need": need, "current": current})
        grid.append({"weekday": day, "cells": cells})
    return render(
        request,
        "hotline/line_staffing.html",
        {"line": line, "needs": needs, "grid": grid, "weeks": weeks, "hours": range(24)},
    )
