"""Pages for directors: the roster builder of a line, its build progress, hand edits,
publishing with a summary."""

import datetime
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotline.fields import DayField, DayInput, MonthField, MonthSelect, add_months
from hotline.models import Line
from roster import agent_import as agent_import_module
from roster import documents, hours, policy, services, unfilled
from roster.forms import AgentForm, AgentImportForm, UnitRulesForm
from roster.models import Agent, Assignment, Leave, Roster, RosterBuild, Shift, Swap, UnitRules
from roster.names import agent_key, person_name
from roster.planning import balance_since, local_midnight

DEFAULT_DAYS = 14
MAX_DAYS = 62
BUILD_SECONDS = 10
# The months the builder's and the hours report's pickers offer, around this one.
BUILDER_MONTHS = {"back": 1, "ahead": 12}
REPORT_MONTHS = {"back": 24, "ahead": 0}


class PeriodForm(forms.Form):
    start = DayField(label=gettext_lazy("From"), widget=DayInput(attrs={"class": "form-control form-control-sm"}))
    end = DayField(label=gettext_lazy("Until"), widget=DayInput(attrs={"class": "form-control form-control-sm"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The last day is before the first day."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("Build at most %(days)s days at a time.") % {"days": MAX_DAYS})
        return data


class MonthPickForm(forms.Form):
    """A whole month as the period, picked as "Tháng 1/2027"."""

    month = MonthField(
        label=gettext_lazy("Month"), required=False, widget=MonthSelect(attrs={"class": "form-select form-select-sm"})
    )

    def __init__(self, *args, back, ahead, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["month"].widget
        widget.back, widget.ahead = back, ahead

    @classmethod
    def showing(cls, start, end, **months):
        """The picker beside a period: on its month when the period is one whole month."""
        whole = start is not None and start.day == 1 and end == add_months(start, 1) - datetime.timedelta(days=1)
        return cls(initial={"month": start if whole else None}, **months)

    def period(self) -> dict | None:
        """The month picked, as the start and end a period form takes; None when none was."""
        if not self.is_valid() or self.cleaned_data["month"] is None:
            return None
        first = self.cleaned_data["month"]
        return {"start": first.isoformat(), "end": (add_months(first, 1) - datetime.timedelta(days=1)).isoformat()}


def managed_line(request, pk) -> Line:
    return get_object_or_404(policy.managed_lines(request.user).select_related("hotline", "unit"), pk=pk)


def period_of(request, source) -> tuple[PeriodForm, datetime.date | None, datetime.date | None]:
    today = timezone.localdate()
    data = MonthPickForm(source, **BUILDER_MONTHS).period() or {
        "start": source.get("start") or today.isoformat(),
        "end": source.get("end") or (today + datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
    }
    form = PeriodForm(data)
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, None, None


def builder_url(line, start, end, **extra) -> str:
    query = {"start": start.isoformat(), "end": end.isoformat(), **extra}
    return f"{reverse('roster_builder', args=[line.pk])}?{urlencode(query)}"


def roster_shifts(roster_or_none, line, start, end):
    """The shifts of the draft (when there is one) or else of the published rosters."""
    shifts = Shift.objects.filter(line=line)
    if roster_or_none is not None:
        shifts = shifts.filter(roster=roster_or_none)
    else:
        shifts = shifts.published().filter(
            start__gte=local_midnight(start), start__lt=local_midnight(end + datetime.timedelta(days=1))
        )
    shifts = list(
        shifts.prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("agent").order_by("agent__full_name"))
        ).order_by("start")
    )
    for shift in shifts:
        holding = [a for a in shift.assignments.all() if a.status not in Assignment.NOT_HOLDING]
        shift.missing = max(0, shift.required - len(holding))
        shift.holding_ids = {a.agent_id for a in holding}
    return shifts


@never_cache
def roster_builder(request, pk):
    line = managed_line(request, pk)
    form, start, end = period_of(request, request.GET)
    context = {"line": line, "form": form, "month_form": MonthPickForm.showing(start, end, **BUILDER_MONTHS)}
    if start is None:
        return render(request, "roster/builder.html", context, status=400)
    draft = services.find_draft(lines=[line], start=start, end=end)
    shifts = roster_shifts(draft, line, start, end)
    days = {}
    for shift in shifts:
        days.setdefault(timezone.localtime(shift.start).date(), []).append(shift)
    agents = sorted(line.agents.filter(active=True), key=agent_key)
    build = None
    if request.GET.get("build", "").isdigit():
        build = RosterBuild.objects.filter(pk=request.GET["build"], lines=line).first()
    if build and build.result:
        build.unfilled = unfilled_in_words(build.result["unfilled"])
    context.update(
        {
            "start": start,
            "end": end,
            "draft": draft,
            "days": days,
            "agents": agents,
            "build": build,
            "filled": sum(s.required - s.missing for s in shifts),
            "required": sum(s.required for s in shifts),
            "missing": sum(s.missing for s in shifts),
        }
    )
    return render(request, "roster/builder.html", context)


def unfilled_in_words(places) -> list[dict]:
    """A build's empty places, each named as a shift and with the engine's reason in words
    (roster.unfilled); the engine names shifts "s<pk>"."""
    pks = {int(pk) for place in places for pk in re.findall(r"\bs(\d+)\b", place["reason"])}
    pks |= {place["shift"] for place in places}
    names = {f"s{shift.pk}": shift.label for shift in Shift.objects.filter(pk__in=pks)}
    return [
        {
            **place,
            "start": datetime.datetime.fromisoformat(place["start"]),
            "label": names.get(f"s{place['shift']}", ""),
            "reason": unfilled.in_words(place["reason"], names),
        }
        for place in places
    ]


@require_POST
def start_build(request, pk):
    line = managed_line(request, pk)
    form, start, end = period_of(request, request.POST)
    if start is None:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("roster_builder", pk=line.pk)
    build = services.roster_build_queue(lines=[line], start=start, end=end, by=request.user, time_limit_s=BUILD_SECONDS)
    return redirect(builder_url(line, start, end, build=build.pk))


@never_cache
def build_status(request, pk):
    """The build's progress for htmx to poll; once it is over, the page reloads to show it."""
    build = get_object_or_404(RosterBuild.objects.filter(lines__in=policy.managed_lines(request.user)), pk=pk)
    if build.status in (RosterBuild.Status.DONE, RosterBuild.Status.FAILED):
        line = build.lines.first()
        response = HttpResponse(status=204)
        response["HX-Redirect"] = builder_url(line, build.start, build.end, build=build.pk)
        return response
    elapsed = (timezone.now() - build.created_at).total_seconds()
    percent = min(95, round(100 * elapsed / (build.time_limit_s + 5)))
    return render(request, "roster/_build_progress.html", {"build": build, "percent": percent, "elapsed": elapsed})


def draft_assignment(request, pk) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related("shift__line", "shift__roster", "agent"),
        pk=pk,
        shift__line__in=policy.managed_lines(request.user),
    )
    return assignment


def back_to_builder(request, line):
    _form, start, end = period_of(request, request.POST)
    if start is None:
        return redirect("roster_builder", pk=line.pk)
    return redirect(builder_url(line, start, end))


def line_agent(shift, value):
    """The active agent of the shift's line with this id, else None (also for a value that is
    not an id): a pk of another unit's agent must not reveal their name."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return Agent.objects.filter(pk=pk, active=True, lines=shift.line).first()


@require_POST
def add_agent(request, shift_pk):
    shift = get_object_or_404(
        Shift.objects.select_related("line", "roster"), pk=shift_pk, line__in=policy.managed_lines(request.user)
    )
    agent = line_agent(shift, request.POST.get("agent"))
    if agent is None:
        messages.error(request, _("Choose an agent."))
        return back_to_builder(request, shift.line)
    try:
        # The service checks the rules once, under its lock, and refuses in the page's words.
        assignment = services.assignment_add(
            shift=shift, agent=agent, by=request.user, extra_allowed=True, explained=True
        )
    except services.RosterError as e:
        messages.error(request, str(e))
    else:
        if assignment.is_extra:
            messages.warning(
                request,
                _("%(agent)s added as extra cover, beyond the %(required)s agents the shift needs.")
                % {"agent": agent, "required": shift.required},
            )
        else:
            messages.success(request, _("%(agent)s added.") % {"agent": agent})
    return back_to_builder(request, shift.line)


@never_cache
def check_agent(request, shift_pk):
    """Live validation for htmx: what putting the chosen agent on this shift would break."""
    shift = get_object_or_404(
        Shift.objects.select_related("line", "roster"), pk=shift_pk, line__in=policy.managed_lines(request.user)
    )
    agent = line_agent(shift, request.GET.get("agent"))
    breaches, extra = [], False
    if agent is not None:
        breaches = services.explained_breaches(shift=shift, agent=agent, by=request.user, extra_allowed=True)
        extra = not breaches and shift.may_take_extra(timezone.now()) and shift.is_at_most()
    return render(request, "roster/_agent_check.html", {"agent": agent, "breaches": breaches, "extra": extra})


@require_POST
def remove_agent(request, pk):
    assignment = draft_assignment(request, pk)
    line = assignment.shift.line
    services.assignment_remove(assignment=assignment, by=request.user)
    messages.success(request, _("%(agent)s removed.") % {"agent": assignment.agent})
    return back_to_builder(request, line)


@require_POST
def toggle_pin(request, pk):
    assignment = draft_assignment(request, pk)
    services.assignment_pin(assignment=assignment, pinned=not assignment.pinned)
    return back_to_builder(request, assignment.shift.line)


def managed_draft(request, pk) -> Roster:
    roster = get_object_or_404(Roster.objects.prefetch_related("lines"), pk=pk, status=Roster.Status.DRAFT)
    if not policy.can_manage_lines(request.user, roster.lines.all()):
        raise PermissionDenied
    return roster


@never_cache
def publish(request, pk):
    """GET: what publishing changes for whom; POST: publish."""
    roster = managed_draft(request, pk)
    line = roster.lines.first()
    gaps = services.roster_gaps(roster)
    if request.method == "POST":
        try:
            services.roster_publish(roster=roster, by=request.user, allow_gaps=bool(request.POST.get("allow_gaps")))
        except services.RosterError as e:
            messages.error(request, str(e))
            return redirect("roster_publish", pk=roster.pk)
        messages.success(request, _("The roster is published; every agent whose shifts changed will be told."))
        return redirect(builder_url(line, roster.start, roster.end))
    changes = services.publish_summary(roster)
    return render(
        request,
        "roster/publish.html",
        {"roster": roster, "line": line, "gaps": gaps, "changes": changes},
    )


def period_shifts(request, pk):
    line = managed_line(request, pk)
    _form, start, end = period_of(request, request.GET)
    if start is None:
        return line, None, None, None
    draft = services.find_draft(lines=[line], start=start, end=end) if request.GET.get("draft") else None
    return line, start, end, roster_shifts(draft, line, start, end)


@never_cache
def roster_print(request, pk):
    """The published roster as a document to sign: Decree 30/2020/NĐ-CP layout, A4 landscape."""
    line, start, end, shifts = period_shifts(request, pk)
    if start is None:
        return redirect("roster_builder", pk=line.pk)
    unit = line.unit
    signer = unit.directors.order_by("pk").first()
    return render(
        request,
        "roster/print.html",
        {
            "grid": documents.roster_grid(line, shifts, start, end),
            "unit": unit,
            "parent": unit.parent,
            "unit_names": [unit.name],
            "symbol": f"LT-{unit.code.upper()}",
            "today": timezone.localdate(),
            "signer": person_name(signer) if signer else "",
            "place": settings.DOCUMENT_PLACE,
        },
    )


@never_cache
def roster_xlsx(request, pk):
    line, start, end, shifts = period_shifts(request, pk)
    if start is None:
        return redirect("roster_builder", pk=line.pk)
    grid = documents.roster_grid(line, shifts, start, end)
    content = documents.roster_xlsx(grid, line.unit, line.unit.parent, timezone.localdate(), settings.DOCUMENT_PLACE)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"lich-truc-{line.hotline.number}-{line.digit}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Hours report -------------------------------------------------------------------------------------


class ReportPeriodForm(PeriodForm):
    def clean(self):
        data = forms.Form.clean(self)
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day is before the first day."))
        elif start and end and (end - start).days > 366:
            self.add_error("end", _("Ask for at most a year at a time."))
        return data


@never_cache
def hours_report(request):
    """Hours, night, weekend and holiday hours per agent: what duty allowances are paid on."""
    if not policy.is_manager(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    form = ReportPeriodForm(
        MonthPickForm(request.GET, **REPORT_MONTHS).period()
        or {
            "start": request.GET.get("start") or first_of_month.isoformat(),
            "end": request.GET.get("end") or today.isoformat(),
        }
    )
    rows = []
    start = end = since = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        agents = policy.managed_agents(request.user).select_related("unit")
        since = balance_since(start)
        rows = hours.hours_report(agents, start, end, since=since)
        if request.GET.get("format") == "csv":
            response = HttpResponse(hours.hours_csv(rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="gio-truc-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
            return response
        if request.GET.get("format") == "xlsx":
            unit = request.user.directed_units.select_related("parent").order_by("pk").first()
            content = documents.hours_xlsx(
                rows, unit=unit, first=start, last=end, today=timezone.localdate(), place=settings.DOCUMENT_PLACE
            )
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            response["Content-Disposition"] = f'attachment; filename="gio-truc-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
            return response
    month_form = MonthPickForm.showing(start, end, **REPORT_MONTHS)
    return render(
        request,
        "roster/hours_report.html",
        {
            "form": form,
            "month_form": month_form,
            "rows": rows,
            "since": since,
            "balance_months": settings.ROSTER_BALANCE_MONTHS,
        },
        status=200 if form.is_valid() else 400,
    )


# Agents --------------------------------------------------------------------------------------------


def require_manager(request):
    if not policy.is_manager(request.user):
        raise PermissionDenied


@never_cache
def agent_list(request):
    require_manager(request)
    agents = policy.managed_agents(request.user).select_related("unit", "user").prefetch_related("lines")
    query = request.GET.get("q", "").strip()
    if query:
        agents = agents.filter(Q(full_name__icontains=query) | Q(phone__contains=query.lstrip("0")))
    if request.GET.get("inactive") != "1":
        agents = agents.filter(active=True)
    agents = sorted(agents, key=agent_key)
    editable = set(policy.editable_agents(request.user).values_list("pk", flat=True))
    units = policy.directed_units(request.user)
    return render(
        request, "roster/agent_list.html", {"agents": agents, "query": query, "editable": editable, "units": units}
    )


@never_cache
def unit_rules(request, pk):
    """The optional rules of the rosters of a unit's agents (shifts a day, runs, weekends,
    hours, overtime), set by the unit's directors."""
    # Its directors' and those of the units above it, as with its agents' records.
    unit = get_object_or_404(policy.directed_units(request.user), pk=pk)
    rules = UnitRules.objects.filter(unit=unit).first() or UnitRules(unit=unit)
    form = UnitRulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, _("The roster rules of %(unit)s are saved; they apply from the next build.") % {"unit": unit.name}
        )
        return redirect("unit_rules", pk=unit.pk)
    return render(request, "roster/unit_rules.html", {"unit": unit, "form": form}, status=400 if form.errors else 200)


def agent_form(request, instance=None):
    return AgentForm(
        request.POST or None,
        instance=instance,
        units=policy.directed_units(request.user),
        lines=policy.managed_lines(request.user),
    )


@never_cache
def agent_edit(request, pk=None):
    require_manager(request)
    agent = None
    if pk is not None:
        agent = get_object_or_404(policy.editable_agents(request.user), pk=pk)
    was_active = agent.active if agent else True
    form = agent_form(request, agent)
    if request.method == "POST" and form.is_valid():
        try:
            lines = form.cleaned_data["lines"]
            agent = services.agent_save(agent=form.save(commit=False), lines=lines)
        except services.RosterError as e:
            form.add_error("email", str(e))
        else:
            if was_active and not agent.active and services.future_shifts(agent).exists():
                return redirect("agent_replan", pk=agent.pk)
            messages.success(request, _("%(agent)s saved.") % {"agent": agent})
            return redirect("agent_list")
    return render(request, "roster/agent_form.html", {"form": form, "agent": agent}, status=400 if form.errors else 200)


@require_POST
def agent_welcome_again(request, pk):
    """A new agent whose welcome link expired, or whose SMS was lost, gets a new one."""
    require_manager(request)
    agent = get_object_or_404(policy.editable_agents(request.user).select_related("user"), pk=pk)
    try:
        services.agent_welcome_again(agent=agent)
    except services.RosterError as e:
        messages.error(request, str(e))
    else:
        messages.success(
            request, _("A new welcome with a link to choose a password is on its way to %(agent)s.") % {"agent": agent}
        )
    return redirect("agent_edit", pk=agent.pk)


@never_cache
def agent_replan(request, pk):
    """An agent who left still holds shifts: offer to give them to others."""
    require_manager(request)
    agent = get_object_or_404(policy.editable_agents(request.user), pk=pk)
    shifts = list(services.future_shifts(agent).select_related("shift__line").order_by("start"))
    if request.method == "POST" and shifts:
        first = timezone.localtime(shifts[0].start).date()
        last = timezone.localtime(shifts[-1].start).date()
        builds = services.roster_replan_queue(agent=agent, start=first, end=last, by=request.user)
        messages.success(
            request,
            _("The shifts of %(agent)s are being re-planned; the result is published at once, gaps included.")
            % {"agent": agent},
        )
        return follow_replan(request, builds) or redirect("agent_list")
    return render(request, "roster/agent_replan.html", {"agent": agent, "shifts": shifts})


@never_cache
def agent_import(request):
    require_manager(request)
    form = AgentImportForm(request.POST or None, request.FILES or None)
    checked = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            units = policy.directed_units(request.user)
            checked = agent_import_module.read_agents(data, units=units)
        except agent_import_module.UnreadableFile as e:
            form.add_error("file", str(e))
        else:
            if not checked.errors or form.cleaned_data["skip_bad"]:
                created, updated = agent_import_module.write_agents(checked.rows, units=units)
                messages.success(
                    request,
                    _("Agents imported: %(created)s new, %(updated)s updated, %(skipped)s rows skipped.")
                    % {"created": created, "updated": updated, "skipped": len(checked.errors)},
                )
                return redirect("agent_list")
    return render(
        request,
        "roster/agent_import.html",
        {"form": form, "checked": checked},
        status=400 if (form.errors or (checked and checked.errors)) else 200,
    )


# Leave and swaps ------------------------------------------------------------------------------------


@never_cache
def leave_list(request):
    """Leave requests and swaps awaiting a director, and the leave to come."""
    require_manager(request)
    agents = policy.editable_agents(request.user).values("pk")
    leaves = Leave.objects.filter(agent__in=agents).select_related("agent", "decided_by")
    # By date, and people in Vietnamese order within a day.
    requested = leaves.filter(status=Leave.Status.REQUESTED).with_conflict_count().order_by("start")
    requested = sorted(requested, key=lambda leave: (leave.start, agent_key(leave.agent)))
    upcoming = leaves.filter(status=Leave.Status.APPROVED, end__gt=timezone.now()).order_by("start")[:100]
    upcoming = sorted(upcoming, key=lambda leave: (leave.start, agent_key(leave.agent)))
    swaps = (
        Swap.objects.filter(status=Swap.Status.TAKEN, shift__line__in=policy.managed_lines(request.user))
        .select_related("shift__line", "offered_by", "taken_by")
        .order_by("shift__start")
    )
    return render(request, "roster/leave_list.html", {"requested": requested, "upcoming": upcoming, "swaps": swaps})


def follow_replan(request, builds):
    """The progress of the first queued re-plan on a line the director manages (a leave
    decision may re-plan another unit's line, whose builder they cannot open); None if none."""
    managed = policy.managed_lines(request.user)
    for build in builds:
        line = build.lines.first()
        if managed.filter(pk=line.pk).exists():
            return redirect(builder_url(line, build.start, build.end, build=build.pk))
    return None


@require_POST
def decide_leave(request, pk):
    require_manager(request)
    leave = get_object_or_404(Leave, pk=pk, agent__in=policy.editable_agents(request.user).values("pk"))
    approve = request.POST.get("decision") == "approve"
    try:
        builds = services.leave_decide(
            leave=leave, approve=approve, by=request.user, replan=bool(request.POST.get("replan"))
        )
    except services.RosterError as e:
        messages.error(request, str(e))
    else:
        if approve:
            message = _("Leave of %(agent)s approved.") % {"agent": leave.agent}
            if not builds:
                messages.success(request, message)
                return redirect("leave_list")
            message += " " + _("Their shifts are being re-planned; the result is published at once, gaps included.")
            messages.success(request, message)
            return follow_replan(request, builds) or redirect("leave_list")
        else:
            messages.success(request, _("Leave of %(agent)s rejected.") % {"agent": leave.agent})
    return redirect("leave_list")


@require_POST
def decide_swap(request, pk):
    require_manager(request)
    swap = get_object_or_404(Swap, pk=pk, shift__line__in=policy.managed_lines(request.user))
    try:
        services.swap_decide(swap=swap, approve=request.POST.get("decision") == "approve", by=request.user)
    except services.RosterError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Swap decided."))
    return redirect("leave_list")
