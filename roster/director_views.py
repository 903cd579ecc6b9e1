"""Pages for directors: the roster builder of a line, its build progress, hand edits,
publishing with a summary."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotline import permissions
from hotline.models import Line
from roster import documents, services
from roster.models import Agent, Assignment, Roster, RosterBuild, Shift
from roster.names import name_key
from roster.planning import local_midnight

DEFAULT_DAYS = 14
MAX_DAYS = 62
BUILD_SECONDS = 10


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The last day is before the first day."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("Build at most %(days)s days at a time.") % {"days": MAX_DAYS})
            elif not 2000 <= start.year <= 2099 or not 2000 <= end.year <= 2099:
                self.add_error("start", _("Choose days of this century."))
        return data


def managed_line(request, pk) -> Line:
    return get_object_or_404(permissions.managed_lines(request.user).select_related("hotline", "unit"), pk=pk)


def period_of(request, source) -> tuple[PeriodForm, datetime.date | None, datetime.date | None]:
    today = timezone.localdate()
    data = {
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
    context = {"line": line, "form": form}
    if start is None:
        return render(request, "roster/builder.html", context, status=400)
    draft = services.find_draft(lines=[line], start=start, end=end)
    shifts = roster_shifts(draft, line, start, end)
    days = {}
    for shift in shifts:
        days.setdefault(timezone.localtime(shift.start).date(), []).append(shift)
    agents = sorted(line.agents.filter(active=True), key=lambda a: name_key(a.full_name))
    build = None
    if request.GET.get("build", "").isdigit():
        build = RosterBuild.objects.filter(pk=request.GET["build"], lines=line).first()
    if build and build.result:
        build.unfilled = [
            {**place, "start": datetime.datetime.fromisoformat(place["start"])} for place in build.result["unfilled"]
        ]
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
    build = get_object_or_404(RosterBuild.objects.filter(lines__in=permissions.managed_lines(request.user)), pk=pk)
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
        shift__line__in=permissions.managed_lines(request.user),
    )
    return assignment


def back_to_builder(request, line):
    _form, start, end = period_of(request, request.POST)
    if start is None:
        return redirect("roster_builder", pk=line.pk)
    return redirect(builder_url(line, start, end))


@require_POST
def add_agent(request, shift_pk):
    shift = get_object_or_404(
        Shift.objects.select_related("line", "roster"), pk=shift_pk, line__in=permissions.managed_lines(request.user)
    )
    agent = Agent.objects.filter(pk=request.POST.get("agent") or 0, active=True).first()
    if agent is None:
        messages.error(request, _("Choose an agent."))
    else:
        try:
            services.assignment_add(shift=shift, agent=agent, by=request.user)
        except services.RosterError as e:
            messages.error(request, _("%(agent)s cannot take this shift: %(why)s") % {"agent": agent, "why": e})
        else:
            messages.success(request, _("%(agent)s added.") % {"agent": agent})
    return back_to_builder(request, shift.line)


@never_cache
def check_agent(request, shift_pk):
    """Live validation for htmx: what putting the chosen agent on this shift would break."""
    shift = get_object_or_404(
        Shift.objects.select_related("line", "roster"), pk=shift_pk, line__in=permissions.managed_lines(request.user)
    )
    agent = Agent.objects.filter(pk=request.GET.get("agent") or 0, active=True).first()
    breaches = services.rule_breaches(shift=shift, agent=agent) if agent else []
    return render(request, "roster/_agent_check.html", {"agent": agent, "breaches": breaches})


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
    assignment.pinned = not assignment.pinned
    assignment.save(update_fields=["pinned"])
    return back_to_builder(request, assignment.shift.line)


def managed_draft(request, pk) -> Roster:
    roster = get_object_or_404(Roster.objects.prefetch_related("lines"), pk=pk, status=Roster.Status.DRAFT)
    managed = set(permissions.managed_lines(request.user).values_list("pk", flat=True))
    if not {line.pk for line in roster.lines.all()} <= managed:
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
            "today": timezone.localdate(),
            "signer": signer.get_full_name() if signer else "",
        },
    )


@never_cache
def roster_xlsx(request, pk):
    line, start, end, shifts = period_shifts(request, pk)
    if start is None:
        return redirect("roster_builder", pk=line.pk)
    grid = documents.roster_grid(line, shifts, start, end)
    content = documents.roster_xlsx(grid, line.unit, line.unit.parent, timezone.localdate())
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"lich-truc-{line.hotline.number}-{line.digit}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
