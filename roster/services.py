"""Writes that touch several models at once, each in one transaction."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from roster import policy, solver
from roster.models import (
    CHECK_IN_EARLY,
    ActionLink,
    Agent,
    Assignment,
    Escalation,
    Leave,
    Notification,
    PresenceEvent,
    PublicHoliday,
    Roster,
    RosterBuild,
    Shift,
    ShiftChange,
    Swap,
    UnitRules,
)
from roster.names import name_key
from roster.notifications.changes import record_change, record_publish, tell_leave_decision
from roster.notifications.gaps import alert_gaps
from roster.notifications.messages import welcome_messages
from roster.planning import CONTEXT_DAYS, HISTORY_DAYS, Plan, local_midnight, plan_for
from roster.tokens import welcome_token_generator


class RosterError(Exception):
    """A roster operation that cannot be done as asked; the message says why."""


@dataclass
class UnfilledPlace:
    shift: Shift
    missing: int
    reason: str


@dataclass
class BuildResult:
    roster: Roster
    status: str
    filled: int
    required: int
    unfilled: list = field(default_factory=list)  # [UnfilledPlace]
    changed: int = 0
    wall_s: float = 0.0
    unkept_fixed: list = field(default_factory=list)  # [(Shift, agent key)]
    # The most places any roster keeping every rule could fill, as the engine proved it:
    # equal to `filled` when the roster is as full as it can be.
    most: int | None = None

    @property
    def complete(self) -> bool:
        return self.filled >= self.required


def draft_for(*, lines, start: datetime.date, end: datetime.date, by=None) -> Roster:
    """The draft roster of exactly these lines and dates, made if there is none.

    A new draft starts as a copy of what is published for those lines and days, so that a
    rebuild of a published period changes as little as it can."""
    lines = list(lines)
    existing = find_draft(lines=lines, start=start, end=end)
    if existing:
        return existing
    draft = Roster.objects.create(start=start, end=end, created_by=by)
    draft.lines.set(lines)
    published = (
        Shift.objects.published()
        .filter(
            line__in=lines, start__gte=local_midnight(start), start__lt=local_midnight(end + datetime.timedelta(days=1))
        )
        .prefetch_related("assignments")
    )
    for old in published:
        shift = Shift.objects.create(
            roster=draft,
            line_id=old.line_id,
            pattern_id=old.pattern_id,
            start=old.start,
            end=old.end,
            required=old.required,
        )
        Assignment.objects.bulk_create(
            Assignment(
                shift=shift,
                agent_id=a.agent_id,
                status=a.status,
                source=a.source,
                pinned=a.pinned,
                is_extra=a.is_extra,
                start=shift.start,
                end=shift.end,
                created_at=a.created_at,
                confirmed_at=a.confirmed_at,
                checked_in_at=a.checked_in_at,
            )
            for a in old.assignments.all()
        )
    return draft


def find_draft(*, lines, start: datetime.date, end: datetime.date) -> Roster | None:
    """The draft roster of exactly these lines and dates, if there is one."""
    lines = list(lines)
    return (
        Roster.objects.filter(status=Roster.Status.DRAFT, start=start, end=end)
        .annotate(
            line_count=Count("lines", distinct=True),
            matching=Count("lines", filter=Q(lines__in=lines), distinct=True),
        )
        .filter(line_count=len(lines), matching=len(lines))
        .first()
    )


def publish_summary(roster: Roster) -> dict:
    """What publishing this draft changes for whom: {agent: {"added": [...], "removed": [...]}}."""
    lines = list(roster.lines.all())
    published = Shift.objects.published().filter(
        line__in=lines,
        start__gte=local_midnight(roster.start),
        start__lt=local_midnight(roster.end + datetime.timedelta(days=1)),
    )

    def holding(assignments):
        return {
            (a.agent, a.shift.line, a.start, a.end): a
            for a in assignments.exclude(status__in=Assignment.NOT_HOLDING).select_related("agent", "shift__line")
        }

    new = holding(Assignment.objects.filter(shift__roster=roster))
    old = holding(Assignment.objects.filter(shift__in=published))
    changes = {}
    for key in new.keys() - old.keys():
        changes.setdefault(key[0], {"added": [], "removed": []})["added"].append(key)
    for key in old.keys() - new.keys():
        changes.setdefault(key[0], {"added": [], "removed": []})["removed"].append(key)
    for change in changes.values():
        change["added"].sort(key=lambda k: k[2])
        change["removed"].sort(key=lambda k: k[2])
    return dict(sorted(changes.items(), key=lambda item: name_key(item[0].full_name)))


def shifts_from_patterns(roster: Roster) -> int:
    """Add the shifts of each line's active patterns that the roster lacks; return how many."""
    existing = set(roster.shifts.values_list("line_id", "start", "end"))
    new = []
    for line in roster.lines.prefetch_related("staffing", "shift_patterns"):
        for pattern in line.shift_patterns.all():
            if not pattern.active:
                continue
            for start, end in pattern.occurrences(roster.start, roster.end):
                if (line.pk, start, end) not in existing:
                    required = pattern.required or line.required_during(start, end)
                    if required:
                        new.append(
                            Shift(roster=roster, line=line, pattern=pattern, start=start, end=end, required=required)
                        )
    Shift.objects.bulk_create(new)
    return len(new)


def roster_touch(roster_id) -> None:
    """Count a write to the roster's shifts or assignments (inside the writer's transaction)."""
    Roster.objects.filter(pk=roster_id).update(version=F("version") + 1)


class BuildStopped(RosterError):
    """The build's record was closed (the sweeper gave up on it) before its result was written."""


def roster_build(
    *, lines, start: datetime.date, end: datetime.date, by=None, time_limit_s: float = 10, publish: bool = False
) -> BuildResult:
    """Build or rebuild the draft roster of these lines and dates with the engine.

    Confirmed, pinned and hand-made assignments are kept; the rest of the draft is changed
    as little as the engine can while filling the most places, fairly. With publish (a
    re-plan), the result is published at once, gaps included.

    Three steps, so that no lock is held while the engine thinks (seconds to minutes): read
    the problem, solve it outside any transaction, write in one short transaction that
    first checks the draft has not changed meanwhile."""
    plan = roster_build_read(lines=lines, start=start, end=end, by=by, time_limit_s=time_limit_s)
    solution = roster_build_solve(plan=plan)
    return roster_build_write(plan=plan, solution=solution, by=by, publish=publish)


def roster_build_read(*, lines, start: datetime.date, end: datetime.date, by=None, time_limit_s: float = 10) -> Plan:
    """The build's first step: the draft (made if missing, with its patterns' shifts) as a problem."""
    if end < start:
        raise RosterError(_("The last day is before the first day."))
    lines = list(lines)
    if not lines:
        raise RosterError(_("Choose at least one line."))
    with transaction.atomic():
        # Seeded here, on a write path, so that pages reading a plan (rule checks) never write;
        # the year before too, which the balance of earlier months looks back into in January.
        PublicHoliday.objects.seed(sorted({start.year - 1, start.year, end.year}))
        draft = draft_for(lines=lines, start=start, end=end, by=by)
        draft = Roster.objects.select_for_update().get(pk=draft.pk)
        if shifts_from_patterns(draft):
            roster_touch(draft.pk)
            draft.refresh_from_db(fields=["version"])
        plan = plan_for(draft, time_limit_s=time_limit_s)
        plan.roster, plan.version = draft, draft.version
    return plan


def roster_build_solve(*, plan: Plan):
    """The build's second step, the long one: it must run outside any transaction."""
    try:
        solution = solver.solve(plan.problem)
    except solver.RulesContradict as e:
        raise RosterError(unmet_minimums_message(plan)) from e
    except solver.ProblemError as e:
        raise RosterError(str(e)) from e
    if solution.status == "UNKNOWN":
        raise RosterError(_("The engine found no roster within the time limit; try a longer limit."))
    return solution


def unmet_minimums_message(plan: Plan) -> str:
    """Why no roster keeps every rule, for the director: the minimums that cannot all be met,
    and where they are set (a unit's rules, an agent's own least hours)."""
    agents = list(plan.agents.values())
    with_minimums = UnitRules.objects.filter(
        Q(min_hours__isnull=False) | Q(min_consecutive_days__isnull=False) | Q(min_consecutive_days_off__isnull=False),
        unit__in={a.unit_id for a in agents},
    )
    units = with_minimums.values_list("unit__name", flat=True)
    own = [a.full_name for a in agents if a.min_hours_per_roster is not None]
    where = [_("the rules of %(unit)s") % {"unit": name} for name in sorted(units, key=name_key)]
    where += [_("the least hours of %(agent)s") % {"agent": name} for name in sorted(own, key=name_key)]
    return _(
        "No roster keeps every rule: the minimums (hours in the roster, days in a row, days off in a row) "
        "set in %(where)s cannot all be met with these shifts and agents. Lower or clear them, then build again."
    ) % {"where": ", ".join(where) or _("the units' rules")}


@transaction.atomic
def roster_build_write(*, plan: Plan, solution, by=None, publish: bool = False) -> BuildResult:
    """The build's last step: write the solution, unless the draft changed while it was solved."""
    # Lock the draft and compare: a hand edit, a pin or a second build made meanwhile must
    # not be overwritten by a solution of the state before it.
    draft = Roster.objects.select_for_update().get(pk=plan.roster.pk)
    if draft.version != plan.version or draft.status != Roster.Status.DRAFT:
        raise RosterError(_("The roster changed while it was being built — build again."))

    chosen = {(plan.shifts[s].pk, plan.agents[a].pk) for s, a in solution.assignments if s in plan.shifts}
    existing = {(a.shift_id, a.agent_id): a for a in Assignment.objects.filter(shift__roster=draft)}
    stale = [
        a.pk
        for key, a in existing.items()
        if key not in chosen and a.status not in Assignment.NOT_HOLDING and not a.is_extra
    ]
    Assignment.objects.filter(pk__in=stale).delete()
    shift_by_pk = {s.pk: s for s in plan.shifts.values()}
    Assignment.objects.bulk_create(
        Assignment(
            shift=shift_by_pk[shift_pk],
            agent_id=agent_pk,
            source=Assignment.Source.SOLVER,
            start=shift_by_pk[shift_pk].start,
            end=shift_by_pk[shift_pk].end,
        )
        for shift_pk, agent_pk in chosen
        if (shift_pk, agent_pk) not in existing
    )
    roster_touch(draft.pk)
    if publish:
        # Filling the gaps an agent leaves follows from a decision on that agent (leave,
        # leaving the unit), which may be taken by a director of another line's unit.
        publish_draft(roster=draft, by=by, allow_gaps=True)
    draft.refresh_from_db()

    unfilled = [
        UnfilledPlace(plan.shifts[u.shift], u.missing, u.reason) for u in solution.unfilled if u.shift in plan.shifts
    ]
    required = sum(s.required for s in plan.shifts.values())
    filled = required - sum(u.missing for u in unfilled)
    # The engine's bound covers the context shifts too (always filled: they are fixed); the
    # places it proves no roster can fill are all the draft's.
    most = required - (solution.stats["required"] - solution.stats["best_bound"])
    return BuildResult(
        roster=draft,
        status=solution.status,
        filled=filled,
        required=required,
        # A bound below the fill would be a bug: then say nothing rather than claim a proof.
        most=min(required, most) if most >= filled and not plan.problem.weighted else None,
        unfilled=sorted(unfilled, key=lambda u: (u.shift.start, u.shift.line_id)),
        changed=len(stale),
        wall_s=solution.stats.get("wall_s", 0.0),
        unkept_fixed=plan.unkept_fixed,
    )


def roster_gaps(roster: Roster) -> int:
    """Required places of the roster that no agent holds."""
    missing = 0
    for shift in roster.shifts.annotate(
        holding=Count("assignments", filter=~Q(assignments__status__in=Assignment.NOT_HOLDING))
    ):
        missing += max(0, shift.required - shift.holding)
    return missing


@transaction.atomic
def roster_publish(*, roster: Roster, by=None, allow_gaps: bool = False) -> Roster:
    """Publish a draft: it replaces what was published for its lines and days, and its
    assignments start to hold their agents' time. A person (`by`) must manage every line of
    it; the command line and the system's own re-plans publish with by=None."""
    if by is not None and not policy.can_manage_lines(by, roster.lines.all()):
        raise PermissionDenied(_("Only a director of every line of this roster can publish it."))
    return publish_draft(roster=roster, by=by, allow_gaps=allow_gaps)


def publish_draft(*, roster: Roster, by, allow_gaps: bool) -> Roster:
    # Lock the roster so two directors pressing "publish" at once publish it once.
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    if roster.is_published:
        return roster
    if roster.status != Roster.Status.DRAFT:
        raise RosterError(_("Only a draft can be published."))
    gaps = roster_gaps(roster)
    if gaps and not allow_gaps:
        raise RosterError(
            _("%(gaps)s places are still unfilled; publish anyway only if you accept the gaps.") % {"gaps": gaps}
        )

    lines = list(roster.lines.all())
    replaced = Shift.objects.published().filter(
        line__in=lines,
        start__gte=local_midnight(roster.start),
        start__lt=local_midnight(roster.end + datetime.timedelta(days=1)),
    )
    replaced_ids = list(replaced.values_list("pk", flat=True))
    if replaced_ids:
        # The replaced shifts move to a superseded roster: kept for the record, no longer live.
        archive = Roster.objects.create(
            start=roster.start, end=roster.end, status=Roster.Status.SUPERSEDED, created_by=by
        )
        archive.lines.set(lines)
        Assignment.objects.filter(shift__in=replaced_ids).update(is_live=False)
        Shift.objects.filter(pk__in=replaced_ids).update(roster=archive)

    roster.status = Roster.Status.PUBLISHED
    roster.published_at = timezone.now()
    roster.published_by = by
    roster.save(update_fields=["status", "published_at", "published_by"])
    roster_touch(roster.pk)
    # One UPDATE; on PostgreSQL the exclusion constraint refuses it whole if any of
    # these assignments would double-book an agent.
    Assignment.objects.filter(shift__roster=roster).exclude(status__in=Assignment.NOT_HOLDING).update(is_live=True)
    record_publish(roster=roster, replaced_shift_ids=replaced_ids, now=roster.published_at)
    if gaps:
        alert_gaps(roster.published_at, lines=lines, urgent_only=True)
    return roster


REPLAN_SECONDS = 5


def roster_replan_queue(*, agent, start: datetime.date, end: datetime.date, by=None) -> list[RosterBuild]:
    """Queue the replacement of an agent who cannot work (sick, on leave) in the published
    rosters of these days: one re-plan build per line they were on, for a worker to run.

    Only the days and lines the agent was on are rebuilt; every other assignment is kept as
    far as the rules allow, and the result is published at once, gaps included, since a
    roster naming someone who will not come is worse than one that shows the gap."""
    period = (local_midnight(start), local_midnight(end + datetime.timedelta(days=1)))
    affected = (
        agent.assignments.filter(is_live=True, start__lt=period[1], end__gt=period[0])
        .select_related("shift__line")
        .order_by("start")
    )
    days_by_line = {}
    for assignment in affected:
        day = timezone.localtime(assignment.start).date()
        days_by_line.setdefault(assignment.shift.line, []).append(day)
    return [
        roster_build_queue(
            lines=[line], start=min(days), end=max(days), by=by, time_limit_s=REPLAN_SECONDS, replan=True
        )
        for line, days in days_by_line.items()
    ]


def mark_declined(assignment: Assignment, now) -> Assignment:
    """The agent no longer holds the shift; the gap, close at hand, is told at once."""
    assignment.status = Assignment.Status.DECLINED
    assignment.save(update_fields=["status"])
    roster_touch(assignment.shift.roster_id)
    alert_gaps(now, lines=[assignment.shift.line], urgent_only=True)
    return assignment


@transaction.atomic
def assignment_decline(*, assignment: Assignment, by=None) -> Assignment:
    """An agent cannot take a shift: it no longer holds them, and a new gap close at hand
    alerts the line's directors at once."""
    # Lock the row: a decline racing a check-in must not leave both half-done.
    assignment = Assignment.objects.select_for_update().select_related("shift__line").get(pk=assignment.pk)
    now = timezone.now()
    if assignment.status == Assignment.Status.CHECKED_IN:
        raise RosterError(_("You have checked in to this shift, so it can no longer be declined."))
    if assignment.status == Assignment.Status.DECLINED:
        raise RosterError(_("You have already declined this shift."))
    if assignment.status not in (Assignment.Status.ASSIGNED, Assignment.Status.CONFIRMED) or assignment.start <= now:
        raise RosterError(_("Only a shift that has not begun can be declined."))
    return mark_declined(assignment, now)


def roster_build_queue(
    *, lines, start: datetime.date, end: datetime.date, by=None, time_limit_s: float = 10, replan: bool = False
) -> RosterBuild:
    """Record a build for a worker to run, and queue it once the record is committed."""
    from roster.tasks import run_roster_build  # tasks import this module

    with transaction.atomic():
        build = RosterBuild.objects.create(
            start=start, end=end, time_limit_s=time_limit_s, replan=replan, created_by=by
        )
        build.lines.set(lines)
        transaction.on_commit(lambda: run_roster_build.delay(build.pk))
    return build


# A build still running this long after its time limit lost its worker (killed, restarted):
# reading the problem and writing the result take seconds, not minutes.
BUILD_MARGIN = datetime.timedelta(minutes=2)


def roster_build_run(*, build_id: int) -> None:
    """Run a queued build (the worker's side); its record says how it went."""
    build = RosterBuild.objects.filter(pk=build_id).first()
    if build is None:
        return
    now = timezone.now()
    # Claim the build, deadline included in the same UPDATE so that a worker dying right
    # after leaves something to sweep: a message delivered twice must not run the engine twice.
    claimed = RosterBuild.objects.filter(pk=build_id, status=RosterBuild.Status.QUEUED).update(
        status=RosterBuild.Status.RUNNING,
        started_at=now,
        deadline=now + datetime.timedelta(seconds=build.time_limit_s) + BUILD_MARGIN,
    )
    if not claimed:
        return
    try:
        plan = roster_build_read(
            lines=build.lines.all(),
            start=build.start,
            end=build.end,
            by=build.created_by,
            time_limit_s=build.time_limit_s,
        )
        solution = roster_build_solve(plan=plan)
        with transaction.atomic():
            # The sweeper may have given up on this build while it ran: then it writes nothing.
            build = RosterBuild.objects.select_for_update().get(pk=build_id)
            if build.status != RosterBuild.Status.RUNNING:
                raise BuildStopped(build.error)
            result = roster_build_write(plan=plan, solution=solution, by=build.created_by, publish=build.replan)
            build.status, build.roster = RosterBuild.Status.DONE, result.roster
            build.result = {
                "status": result.status,
                "filled": result.filled,
                "required": result.required,
                "most": result.most,
                "changed": result.changed,
                "wall_s": result.wall_s,
                "unfilled": [
                    {
                        "shift": place.shift.pk,
                        "start": timezone.localtime(place.shift.start).isoformat(),
                        "missing": place.missing,
                        "reason": place.reason,
                    }
                    for place in result.unfilled
                ],
            }
            build.finished_at = timezone.now()
            build.save(update_fields=["status", "roster", "result", "finished_at"])
    except BuildStopped:
        return
    except RosterError as e:
        RosterBuild.objects.filter(pk=build_id, status=RosterBuild.Status.RUNNING).update(
            status=RosterBuild.Status.FAILED, error=str(e), finished_at=timezone.now()
        )


# A build no worker has taken this long after it was queued was lost with its message (the
# broker restarted empty) or waits behind workers that are all down: either way the director
# should hear it and start again, not watch "queued" forever.
QUEUE_PATIENCE = datetime.timedelta(minutes=10)


def roster_build_sweep(*, now: datetime.datetime) -> int:
    """Mark failed the running builds past their deadline, whose worker stopped, and the
    queued ones no worker took in time; return how many.

    Nothing waits on a failed build, so the director can start again at once; a worker that
    gets the message later finds the build no longer queued and leaves it."""
    running = RosterBuild.objects.filter(status=RosterBuild.Status.RUNNING, deadline__lt=now).update(
        status=RosterBuild.Status.FAILED,
        error=_("The worker stopped before the build finished; start it again."),
        finished_at=now,
    )
    queued = RosterBuild.objects.filter(status=RosterBuild.Status.QUEUED, created_at__lt=now - QUEUE_PATIENCE).update(
        status=RosterBuild.Status.FAILED,
        error=_("No worker took the build within 10 minutes (see /healthz); start it again."),
        finished_at=now,
    )
    return running + queued


def rule_violations(*, shift: Shift, agent, replacing=None, extra_allowed: bool = False, now=None):
    """The engine checker's violations if this agent took this shift (`replacing` leaves it
    at the same time, as in a swap), with the plan they were found in; None when the agent
    is not one of the roster's agents at all.

    With `extra_allowed`, a full shift that may take extra cover (Shift.may_take_extra at
    `now`) is no violation: the agent is added beyond the headcount (Assignment.is_extra)."""
    plan = plan_for(shift.roster, time_limit_s=1)
    shift_key = f"s{shift.pk}"
    agent_key = f"a{agent.pk}"
    if agent_key not in plan.agents:
        return None, plan
    leaving = (shift_key, f"a{replacing.pk}") if replacing is not None else None
    pairs = [pair for pair in (*plan.problem.fixed, *plan.problem.current) if tuple(pair) != leaving]
    pairs.append((shift_key, agent_key))
    # A unit's minimums (hours in the roster, runs of work or rest) may still be met by shifts
    # not given yet: only the maximums of rules 11-13 refuse a shift by hand.
    found = solver.check(plan.problem, pairs, partial=True)
    problem_agent = plan.problem.agent_by_id[agent_key]
    limits = solver.rules.monotone_day_rules(plan.problem, problem_agent)
    if limits is not None:
        shifts = [plan.problem.shift_by_id[s] for s, a in pairs if a == agent_key]
        found += [
            v
            for v in solver.rules.day_rule_violations(plan.problem, problem_agent, shifts, limits)
            if v.rule not in solver.rules.MONOTONE_RULES
        ]
    found = [v for v in found if shift_key in v.shifts and v.agent in (None, agent_key)]
    if extra_allowed and shift.may_take_extra(now or timezone.now()):
        found = [v for v in found if not is_headcount(v)]
    return found, plan


# The checker's words for the rules that weigh the agent's other shifts, without their times or hours.
OTHER_SHIFTS_WORDS = {
    3: "has another shift too close to this one",
    4: "would work more than the weekly hours cap",
    5: "would have no weekly rest",
    6: "would work too many nights in a row",
}


def not_on_line() -> str:
    """The refusal for an agent who does not answer the shift's line (or no longer works): it
    names nobody, as the caller may have sent another unit's agent."""
    return _("This agent does not answer this shift's line, or no longer works.")


def rule_breaches(*, shift: Shift, agent, replacing=None, by=None, extra_allowed: bool = False) -> list[str]:
    """What putting this agent on this shift would break, as the engine's checker words it
    (the API's wording: "rule 3 (rest between shifts): …").

    The checker weighs the agent's shifts on other lines too, maybe another unit's: when the
    caller (`by`) does not manage one of those lines, the rules that weigh them are named
    without the times and hours of those shifts. With `extra_allowed`, a full shift that may
    take extra cover (Shift.may_take_extra) is no breach."""
    found, _plan = rule_violations(shift=shift, agent=agent, replacing=replacing, extra_allowed=extra_allowed)
    if found is None:
        return [not_on_line()]
    if by is None or not works_where_unseen(agent, shift.roster, by):
        return [str(v) for v in found]
    return [
        f"rule {v.rule} ({solver.rules.RULE_NAMES[v.rule]}): agent {v.agent} {OTHER_SHIFTS_WORDS[v.rule]}"
        if v.rule in OTHER_SHIFTS_WORDS
        else str(v)
        for v in found
    ]


def is_headcount(violation) -> bool:
    """The checker's "more agents than places" (rule 7 without an agent), not an agent twice."""
    return violation.rule == 7 and violation.agent is None


def works_where_unseen(agent, roster: Roster, user) -> bool:
    """Whether the checker, around this roster, weighs shifts of the agent on lines the user does not manage."""
    start = local_midnight(roster.start) - datetime.timedelta(days=HISTORY_DAYS)
    end = local_midnight(roster.end) + datetime.timedelta(days=1 + CONTEXT_DAYS)
    return (
        Assignment.objects.filter(agent=agent, start__lt=end, end__gt=start)
        .filter(Q(is_live=True) | Q(shift__roster=roster))
        .exclude(shift__line__in=policy.managed_lines(user))
        .exists()
    )


def explained_breaches(
    *, shift: Shift, agent, replacing=None, by=None, extra_allowed: bool = False, now=None
) -> list[str]:
    """The same, for the pages: sentences in the reader's language that a director acts on —
    which shift is too close, whose leave, which week — never a rule's number. With `by`, the
    times of the agent's shifts on lines `by` does not manage stay hidden. With
    `extra_allowed`, a full shift that may take extra cover (Shift.may_take_extra at `now`) is
    no refusal: the agent is added beyond the headcount."""
    if shift.holds(agent):
        return [already_on(agent)]
    found, plan = rule_violations(shift=shift, agent=agent, replacing=replacing, extra_allowed=extra_allowed, now=now)
    if found is None:
        return [not_on_line()]
    explained = [explain(v, shift=shift, agent=agent, rules=plan.problem.rules, by=by) for v in found]
    return list(dict.fromkeys(explained))


def already_on(agent) -> str:
    return _("%(agent)s is already on this shift.") % {"agent": agent.full_name}


def explain(violation, *, shift: Shift, agent, rules, by) -> str:
    monday = shift.day - datetime.timedelta(days=shift.day.weekday())
    values = {
        "agent": agent.full_name,
        "rest": f"{rules.min_rest_hours:g}",
        "cap": f"{min(rules.max_hours_per_week, agent.max_hours_per_week):g}",
        "weekly": f"{rules.weekly_rest_hours:g}",
        "nights": rules.max_consecutive_nights,
        "required": shift.required,
        "digit": shift.line.digit,
        "monday": f"{monday:%d/%m}",
        "sunday": f"{monday + datetime.timedelta(days=6):%d/%m}",
    }
    rule = violation.rule
    if rule == 1:
        return _("%(agent)s does not answer line %(digit)s.") % values
    if rule == 2:
        return explain_unavailable(shift, agent)
    if rule == 3:
        return explain_rest(shift, agent, values, by)
    if rule == 4:
        return _("%(agent)s would work more than %(cap)s hours in the week %(monday)s–%(sunday)s.") % values
    if rule == 5:
        return (
            _("%(agent)s would have no %(weekly)s hours of rest in a row in the week %(monday)s–%(sunday)s.") % values
        )
    if rule == 6:
        return _("%(agent)s would work more than %(nights)s nights in a row.") % values
    if is_headcount(violation):
        most = shift.most_agents()
        if most > shift.required:
            return _("This shift already has its %(required)s agents and the %(extra)s extra its unit allows.") % {
                **values,
                "extra": most - shift.required,
            }
        return _("This shift already has the %(required)s agents it needs.") % values
    if rule == 7:
        return already_on(agent)
    if rule in UNIT_RULE_WORDS:
        return UNIT_RULE_WORDS[rule] % values
    return _("%(agent)s cannot take this shift under the working-time rules.") % values


# Rules 8–16: those a unit's directors set (UnitRules), named as the rules page names them.
UNIT_RULE_WORDS = {
    8: gettext_lazy("%(agent)s would work more shifts that day than the unit's rules allow."),
    9: gettext_lazy("%(agent)s would work a day shift on the day after a night shift."),
    10: gettext_lazy("%(agent)s would work more night shifts in this roster than the unit's rules allow."),
    11: gettext_lazy("%(agent)s would be outside the hours in a roster that the unit's rules set."),
    12: gettext_lazy("%(agent)s would work more days in a row than the unit's rules allow."),
    13: gettext_lazy("%(agent)s would have fewer days off in a row than the unit's rules ask."),
    14: gettext_lazy("%(agent)s would work more weekends in this roster than the unit's rules allow."),
    15: gettext_lazy("%(agent)s has this day off."),
    16: gettext_lazy("%(agent)s would work more overtime than the unit's ceiling allows."),
}


def explain_unavailable(shift: Shift, agent) -> str:
    """Rule 2 in words: the agent's leave with its dates, or the shift they declined."""
    leave = Leave.objects.approved().filter(agent=agent).overlapping(shift.start, shift.end).order_by("start").first()
    if leave is not None:
        start, end = timezone.localtime(leave.start), timezone.localtime(leave.end)
        return _("%(agent)s is on leave from %(start)s to %(end)s.") % {
            "agent": agent.full_name,
            "start": f"{start:%H:%M %d/%m/%Y}",
            "end": f"{end:%H:%M %d/%m/%Y}",
        }
    if shift.assignments.filter(agent=agent, status=Assignment.Status.DECLINED).exists():
        return _("%(agent)s declined this shift.") % {"agent": agent.full_name}
    return _("%(agent)s is unavailable at that time.") % {"agent": agent.full_name}


def explain_rest(shift: Shift, agent, values: dict, by) -> str:
    """Rule 3 in words: the agent's nearest shift that leaves too little rest, named by its
    hours and day (Shift.label) unless it is on a line the reader does not manage."""
    rest = datetime.timedelta(hours=float(values["rest"]))
    roster = shift.roster
    near = (
        Assignment.objects.filter(agent=agent, start__lt=shift.end + rest, end__gt=shift.start - rest)
        .exclude(shift=shift)
        .exclude(status__in=Assignment.NOT_HOLDING)
        .filter(Q(shift__roster=roster) | Q(is_live=True))
        .select_related("shift__line")
    )
    if not roster.is_published:
        # What the draft replaces does not count, as in the plan (roster.planning).
        near = near.exclude(
            is_live=True,
            shift__line__in=roster.lines.all(),
            start__gte=local_midnight(roster.start),
            start__lt=local_midnight(roster.end + datetime.timedelta(days=1)),
        )
    # The nearest first: an overlapping shift, else the shortest rest.
    others = sorted(near, key=lambda a: max(datetime.timedelta(0), shift.start - a.end, a.start - shift.end))
    if not others:
        return _("%(agent)s has another shift too close to this one; %(rest)s hours of rest are needed.") % values
    other = others[0]
    if by is not None and not policy.managed_lines(by).filter(pk=other.shift.line_id).exists():
        return (
            _("%(agent)s has a shift of another unit too close to this one; %(rest)s hours of rest are needed.")
            % values
        )
    values = {**values, "times": other.shift.times, "day": f"{other.shift.day:%d/%m}"}
    if other.start < shift.end and shift.start < other.end:
        return _("%(agent)s already has the shift %(times)s on %(day)s at that time.") % values
    if other.end <= shift.start:
        if other.shift.is_night():
            return (
                _(
                    "%(agent)s has just worked the night shift %(times)s on %(day)s; %(rest)s hours of rest are "
                    "needed before the next shift."
                )
                % values
            )
        return (
            _(
                "%(agent)s has just worked the shift %(times)s on %(day)s; %(rest)s hours of rest are needed "
                "before the next shift."
            )
            % values
        )
    return (
        _("%(agent)s has the shift %(times)s on %(day)s soon after this one; %(rest)s hours of rest are needed.")
        % values
    )


def assignment_save(assignment: Assignment) -> None:
    """Save a hand-made assignment after the model's own checks (the exclusion of double
    booking says it in words), and count it as a change of its roster."""
    try:
        assignment.full_clean()
    except ValidationError as e:
        raise RosterError(" ".join(e.messages)) from e
    assignment.save()
    roster_touch(assignment.shift.roster_id)


@transaction.atomic
def assignment_add(*, shift: Shift, agent, by=None, extra_allowed: bool = False, explained: bool = False) -> Assignment:
    """Put an agent on a shift by hand, if no rule breaks; a published roster tells the agent.

    With `extra_allowed` (a director on the pages), a full shift that may take extra cover
    (Shift.may_take_extra: published, under way or today — a no-show) takes the agent beyond
    its headcount, marked is_extra; every other rule still holds. A refusal says why as the
    API words it (rule_breaches), or with `explained` in the pages' sentences
    (explained_breaches)."""
    # Lock the shift: two directors filling its last place at once must not both succeed.
    shift = Shift.objects.select_for_update().select_related("roster", "line").get(pk=shift.pk)
    if shift.holds(agent):
        raise RosterError(already_on(agent))
    if explained:
        # Whole sentences, each with its full stop.
        breaches, separator = explained_breaches(shift=shift, agent=agent, by=by, extra_allowed=extra_allowed), " "
    else:
        breaches, separator = rule_breaches(shift=shift, agent=agent, by=by, extra_allowed=extra_allowed), "; "
    if breaches:
        raise RosterError(separator.join(breaches))
    # Past the breaches, a shift at its most agents is one that may take extra cover.
    assignment = Assignment(shift=shift, agent=agent, source=Assignment.Source.MANUAL, is_extra=shift.is_at_most())
    assignment_save(assignment)
    if assignment.is_live:
        record_change(assignment, ShiftChange.Change.ADDED)
    return assignment


@transaction.atomic
def shift_save(*, shift: Shift) -> Shift:
    """Save a shift edited by hand (the admin). Its assignments' copies of its times follow
    (reminders, "my shifts" and the database's refusal of double booking read them), a build
    that read the shift as it was may no longer write, and when its times change its agents on
    a published roster are told, the old times taken and the new given, and their reminders not
    sent yet are dropped, to be made again for the new times."""
    before = Shift.objects.select_for_update().filter(pk=shift.pk).values("start", "end", "required").first()
    shift.save()
    if before is None or before == {"start": shift.start, "end": shift.end, "required": shift.required}:
        return shift
    roster_touch(shift.roster_id)
    old_times, new_times = (before["start"], before["end"]), (shift.start, shift.end)
    if old_times == new_times:
        return shift
    # Each assignment's history shows its new times (a queryset update would write none).
    assignments = list(shift.assignments.all())
    for assignment in assignments:
        assignment.start, assignment.end = shift.start, shift.end
    bulk_update_with_history(assignments, Assignment, ["start", "end"], default_change_reason="shift moved")
    live = [a for a in assignments if a.is_live and a.status not in Assignment.NOT_HOLDING]
    ShiftChange.objects.bulk_create(
        ShiftChange(agent_id=a.agent_id, line_id=shift.line_id, change=change, start=start, end=end)
        for a in live
        for change, (start, end) in ((ShiftChange.Change.REMOVED, old_times), (ShiftChange.Change.ADDED, new_times))
    )
    Notification.objects.filter(
        assignment__in=live, kind=Notification.Kind.REMINDER, status=Notification.Status.PENDING
    ).delete()
    return shift


@transaction.atomic
def assignment_remove(*, assignment: Assignment, by=None) -> None:
    """Take an agent off a shift; on a published roster the agent is told and a gap close at
    hand alerts the directors."""
    assignment = Assignment.objects.select_for_update().select_related("shift__line").get(pk=assignment.pk)
    was_live = assignment.is_live
    line = assignment.shift.line
    if was_live:
        record_change(assignment, ShiftChange.Change.REMOVED)
    assignment.delete()
    roster_touch(assignment.shift.roster_id)
    if was_live:
        alert_gaps(timezone.now(), lines=[line], urgent_only=True)


@transaction.atomic
def assignment_pin(*, assignment: Assignment, pinned: bool) -> Assignment:
    """Pin an assignment (a rebuild keeps it) or unpin it."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    assignment.pinned = pinned
    assignment.save(update_fields=["pinned"])
    roster_touch(assignment.shift.roster_id)
    return assignment


MAX_LEAVE = datetime.timedelta(days=366)


@transaction.atomic
def leave_request(*, agent, start, end, reason="", by=None) -> Leave:
    """Record leave: requested when agents ask for themselves, approved at once when one of
    their directors enters it."""
    if by is not None and agent.user_id != by.pk and not policy.can_edit_agent(by, agent):
        raise PermissionDenied(_("You can enter leave only for yourself or the agents of your units."))
    if end <= start:
        raise RosterError(_("The leave must end after it starts."))
    if end - start > MAX_LEAVE:
        raise RosterError(_("Leave can be at most a year long; enter longer absences in parts."))
    # Lock the agent: two requests for the same days at once must not both pass the check.
    agent = type(agent).objects.select_for_update().get(pk=agent.pk)
    if agent.leaves.exclude(status=Leave.Status.REJECTED).overlapping(start, end).exists():
        raise RosterError(_("%(agent)s already has leave at that time.") % {"agent": agent.full_name})
    leave = Leave(agent=agent, start=start, end=end, reason=reason)
    if by is not None and agent.user_id != by.pk:
        leave.status, leave.decided_by, leave.decided_at = Leave.Status.APPROVED, by, timezone.now()
    leave.save()
    return leave


@transaction.atomic
def leave_decide(*, leave: Leave, approve: bool, by, replan: bool = False) -> list[RosterBuild]:
    """Approve or reject a leave request and tell the agent. With replan, the agent's shifts
    in the leave are given to others in the published rosters by queued builds (see
    roster_replan_queue), which this returns."""
    leave = Leave.objects.select_for_update().select_related("agent").get(pk=leave.pk)
    if not policy.can_decide_leave(by, leave.agent):
        raise PermissionDenied(_("Only a director of this agent's unit can decide on their leave, never on their own."))
    if leave.status != Leave.Status.REQUESTED:
        raise RosterError(_("This leave has already been decided."))
    leave.status = Leave.Status.APPROVED if approve else Leave.Status.REJECTED
    leave.decided_by, leave.decided_at = by, timezone.now()
    leave.save(update_fields=["status", "decided_by", "decided_at"])
    tell_leave_decision(leave)
    if not (approve and replan and leave.conflicts().exists()):
        return []
    return roster_replan_queue(
        agent=leave.agent,
        start=timezone.localtime(leave.start).date(),
        end=timezone.localtime(leave.end).date(),
        by=by,
    )


@transaction.atomic
def leave_withdraw(*, leave: Leave, by) -> None:
    """An agent withdraws a request not yet decided; a director of the agent's unit may
    withdraw any leave of theirs (entered by mistake, plans changed)."""
    leave = Leave.objects.select_for_update().select_related("agent").get(pk=leave.pk)
    own_request = leave.agent.user_id == by.pk and leave.status == Leave.Status.REQUESTED
    if not own_request and not policy.can_edit_agent(by, leave.agent):
        raise PermissionDenied(_("Only a request not yet decided can be withdrawn; ask your director."))
    leave.delete()


def on_switchboard_agent_event(sender, *, event, lines, **kwargs):
    """hotline.signals.switchboard_agent_event: a call file's logins and pauses."""
    switchboard_event(event, lines=lines)


SWITCHBOARD_EVENTS = {
    "AGENTLOGIN": PresenceEvent.Event.LOGIN,
    "ADDMEMBER": PresenceEvent.Event.LOGIN,
    "UNPAUSE": PresenceEvent.Event.UNPAUSE,
    "UNPAUSEALL": PresenceEvent.Event.UNPAUSE,
    "AGENTLOGOFF": PresenceEvent.Event.LOGOUT,
    "REMOVEMEMBER": PresenceEvent.Event.LOGOUT,
    "PAUSE": PresenceEvent.Event.PAUSE,
    "PAUSEALL": PresenceEvent.Event.PAUSE,
}


def switchboard_event(event, *, lines=None) -> PresenceEvent | None:
    """An agent's login, logout or pause on the switchboard (hotline.calls.AgentEvent).

    During one of their shifts (from 30 minutes before it) it is recorded; a login or an
    unpause checks the agent in if they have not checked in yet.

    `lines` are the lines the source of the event may speak for: for a file a director uploads,
    the lines they manage. Then the event must name the queue of one of them, and it reaches
    only an agent of that line and their shift on it: a check-in hides a gap from escalation,
    so nobody may check in another unit's agent by uploading a file. None is the trusted feed
    of the switchboard's own operator (the command line), where an event outside any queue
    may still check the agent in to their shift on any line."""
    kind = SWITCHBOARD_EVENTS.get(event.event)
    if kind is None or not event.extension or not event.extension.isprintable() or len(event.extension) > 32:
        return None
    if lines is not None and (event.line is None or not lines.filter(pk=event.line.pk).exists()):
        return None
    agents = Agent.objects.filter(extension=event.extension, active=True)
    if event.line is not None:
        # Extensions are only unique within one switchboard: look among the queue's agents.
        agents = agents.filter(lines=event.line)
    agent = agents.first()
    if agent is None:
        return None
    holding = agent.assignments.filter(is_live=True, start__lte=event.at + CHECK_IN_EARLY, end__gt=event.at)
    if event.line is not None:
        holding = holding.filter(shift__line=event.line)
    assignment = holding.order_by("start").first()
    if assignment is None:
        return None
    with transaction.atomic():
        # Decide on the fresh row: the agent may be checking in on the page at this moment.
        assignment.lock()
        presence, _created = PresenceEvent.objects.get_or_create(assignment=assignment, at=event.at, event=kind)
        if kind in (PresenceEvent.Event.LOGIN, PresenceEvent.Event.UNPAUSE) and assignment.can_check_in(event.at):
            assignment.check_in(now=event.at)
    return presence


@transaction.atomic
def agent_save(*, agent: Agent, lines) -> Agent:
    """Save an agent from the directors' form; a new agent gets a login (username from the
    email, else the phone number) and a welcome with a link to choose a password."""
    new_login = agent.user_id is None
    if new_login:
        username = Agent.login_username(agent.email, agent.phone)
        if get_user_model().objects.filter(username=username).exists():
            raise RosterError(_("The login %(username)s belongs to someone else.") % {"username": username})
        agent.update_login()
    agent.save()
    agent.lines.set(lines)
    if new_login:
        agent_welcome(agent=agent)
    return agent


def agent_welcome(*, agent: Agent) -> list[Notification]:
    """Welcome a new account by SMS and email through the outbox: what Trực Ban is, the login,
    and a link to choose a password that works WELCOME_LINK_DAYS days. In the caller's
    transaction, so an agent that is not saved after all is never welcomed."""
    days = settings.WELCOME_LINK_DAYS
    link = ActionLink.objects.create(
        agent=agent,
        actions=[ActionLink.Action.SET_PASSWORD],
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    password_url = settings.SITE_URL.rstrip("/") + welcome_path(agent.user)
    # The first welcome keeps the plain key; one sent again is a message of its own.
    again = ActionLink.objects.filter(agent=agent, shift__isnull=True).count() > 1
    stem = f"welcome:{agent.pk}:{link.pk}" if again else None
    rows = welcome_messages(agent, password_url=password_url, sms_link=link.url, days=days, stem=stem)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def agent_welcome_again(*, agent: Agent) -> list[Notification]:
    """Send a new welcome to an agent who has not chosen a password yet (the first link
    expired, or the SMS was lost); an account already opened uses the password reset instead."""
    if agent.user is None or agent.user.has_usable_password():
        raise RosterError(_("%(agent)s has already chosen a password.") % {"agent": agent.full_name})
    return agent_welcome(agent=agent)


def welcome_path(user) -> str:
    """Where a new account chooses its password, with a token that works WELCOME_LINK_DAYS days."""
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), welcome_token_generator.make_token(user)
    return reverse("welcome_password", args=[uid, token])


def future_shifts(agent, now=None):
    now = now or timezone.now()
    return agent.assignments.filter(is_live=True, start__gt=now).exclude(status__in=Assignment.NOT_HOLDING)


# Swaps ----------------------------------------------------------------------------------------------


@transaction.atomic
def swap_offer(*, assignment: Assignment, note: str = "") -> Swap:
    """An agent offers one of their coming shifts to the colleagues of the line."""
    assignment = Assignment.objects.select_for_update().select_related("shift").get(pk=assignment.pk)
    if not assignment.is_live or assignment.status in Assignment.NOT_HOLDING or assignment.start <= timezone.now():
        raise RosterError(_("Only a coming shift you hold can be offered."))
    if Swap.objects.open().filter(assignment=assignment).exists():
        raise RosterError(_("This shift is already offered."))
    return Swap.objects.create(assignment=assignment, shift=assignment.shift, offered_by=assignment.agent, note=note)


@transaction.atomic
def swap_take(*, swap: Swap, agent) -> Swap:
    """A colleague takes an offered shift: at once, or once a director approves (by unit)."""
    swap = (
        Swap.objects.select_for_update(of=("self",)).select_related("shift__line__unit", "offered_by").get(pk=swap.pk)
    )
    if swap.status != Swap.Status.OFFERED:
        raise RosterError(_("This shift is no longer offered."))
    if agent.pk == swap.offered_by_id:
        raise RosterError(_("You cannot take your own shift."))
    if not agent.lines.filter(pk=swap.shift.line_id).exists():
        raise RosterError(_("Only an agent of this line can take the shift."))
    breaches = rule_breaches(shift=swap.shift, agent=agent, replacing=swap.offered_by)
    if breaches:
        raise RosterError("; ".join(breaches))
    swap.taken_by, swap.taken_at = agent, timezone.now()
    if swap.shift.line.unit.swaps_need_approval:
        swap.status = Swap.Status.TAKEN
        swap.save(update_fields=["taken_by", "taken_at", "status"])
        return swap
    return swap_carry_out(swap=swap, by=None)


@transaction.atomic
def swap_decide(*, swap: Swap, approve: bool, by) -> Swap:
    swap = (
        Swap.objects.select_for_update(of=("self",))
        .select_related("shift__line", "offered_by", "taken_by")
        .get(pk=swap.pk)
    )
    if swap.status != Swap.Status.TAKEN:
        raise RosterError(_("Only a taken shift awaiting approval can be decided."))
    if not approve:
        swap.status, swap.decided_by, swap.decided_at = Swap.Status.REJECTED, by, timezone.now()
        swap.save(update_fields=["status", "decided_by", "decided_at"])
        return swap
    return swap_carry_out(swap=swap, by=by)


def swap_carry_out(*, swap: Swap, by) -> Swap:
    """Move the shift from the offering agent to the taker, checked once more (the roster may
    have changed since the shift was taken); both are told through the change messages."""
    shift = Shift.objects.select_for_update().select_related("roster", "line").get(pk=swap.shift_id)
    mine = Assignment.objects.filter(pk=swap.assignment_id, agent_id=swap.offered_by_id, shift=shift).first()
    if mine is None or mine.status in Assignment.NOT_HOLDING:
        raise RosterError(_("The offering agent no longer holds this shift."))
    breaches = rule_breaches(shift=shift, agent=swap.taken_by, replacing=swap.offered_by, by=by)
    if breaches:
        raise RosterError("; ".join(breaches))
    record_change(mine, ShiftChange.Change.REMOVED)
    mine.delete()
    taken = Assignment(shift=shift, agent=swap.taken_by, source=Assignment.Source.MANUAL, pinned=True)
    taken.save()
    roster_touch(shift.roster_id)
    record_change(taken, ShiftChange.Change.ADDED)
    swap.status, swap.decided_by, swap.decided_at = Swap.Status.DONE, by, timezone.now()
    swap.save(update_fields=["status", "decided_by", "decided_at", "taken_by", "taken_at"])
    return swap


@transaction.atomic
def swap_withdraw(*, swap: Swap) -> Swap:
    swap = Swap.objects.select_for_update().get(pk=swap.pk)
    if swap.status not in (Swap.Status.OFFERED, Swap.Status.TAKEN):
        raise RosterError(_("Only an open offer can be withdrawn."))
    swap.status = Swap.Status.WITHDRAWN
    swap.save(update_fields=["status"])
    return swap


# One tap from an SMS ---------------------------------------------------------------------------


def open_places(shift: Shift) -> int:
    """Places of a shift under way that agents on standby may still take: those an escalation
    found without anyone checked in, less the places taken since it was raised."""
    escalation = Escalation.objects.filter(shift=shift).first()
    if escalation is None or escalation.resolved_at is not None:
        return 0
    covered = (
        shift.assignments.exclude(status__in=Assignment.NOT_HOLDING)
        .filter(Q(status=Assignment.Status.CHECKED_IN) | Q(is_extra=True) | Q(created_at__gte=escalation.opened_at))
        .count()
    )
    return max(shift.required - covered, 0)


@transaction.atomic
def shift_take(*, shift: Shift, agent, now=None) -> Assignment:
    """An agent on standby takes a place of a shift under way that is short of agents, if the
    engine's rules allow it; beyond the headcount when the absent agents still hold theirs."""
    now = now or timezone.now()
    # Lock the shift: of two agents on standby tapping at once, the first gets the place and
    # the second hears that it is taken.
    shift = Shift.objects.select_for_update().select_related("roster", "line").get(pk=shift.pk)
    if now >= shift.end or not shift.roster.is_published:
        raise RosterError(_("This shift is over."))
    if shift.holds(agent):
        raise RosterError(_("You are already on this shift."))
    if open_places(shift) == 0:
        raise RosterError(_("Someone else has already taken this shift."))
    # An open escalation means the shift is under way, so it may take extra cover: a full
    # shift takes the agent beyond its headcount while the absent agents keep their places.
    breaches = explained_breaches(shift=shift, agent=agent, extra_allowed=True, now=now)
    if breaches:
        raise RosterError(" ".join(breaches))
    extra = shift.is_at_most()
    assignment = Assignment.objects.filter(shift=shift, agent=agent).first() or Assignment(shift=shift, agent=agent)
    assignment.status, assignment.source, assignment.is_extra = (
        Assignment.Status.CONFIRMED,
        Assignment.Source.MANUAL,
        extra,
    )
    assignment.confirmed_at, assignment.created_at = now, now
    assignment_save(assignment)
    return assignment


@transaction.atomic
def assignment_cannot_come(*, assignment: Assignment, now=None) -> Assignment:
    """An agent cannot come. Before the shift it is a decline; once the shift is under way
    without them it is the same, and the line's directors hear of the gap at once too."""
    now = now or timezone.now()
    if assignment.start > now:
        return assignment_decline(assignment=assignment)
    # Lock the row: the same tap racing a check-in must not leave both half-done.
    assignment = Assignment.objects.select_for_update().select_related("shift__line").get(pk=assignment.pk)
    if assignment.status == Assignment.Status.CHECKED_IN:
        raise RosterError(_("You have checked in to this shift, so it can no longer be declined."))
    if assignment.status in Assignment.NOT_HOLDING:
        raise RosterError(_("You have already declined this shift."))
    if now >= assignment.end:
        raise RosterError(_("This shift is over."))
    return mark_declined(assignment, now)


@transaction.atomic
def action_link_act(*, link: ActionLink, action: str, now=None) -> ActionLink:
    """Do one action of an SMS link: only those its message offered, each once, until the
    shift ends. The link acts for its agent on its shift and on nothing else."""
    now = now or timezone.now()
    # Lock the link: a double tap, or the link opened on two phones, does the action once.
    link = ActionLink.objects.select_for_update().select_related("agent").get(pk=link.pk)
    if link.shift_id is None or action not in link.actions:
        raise RosterError(_("This link does not offer that."))
    if link.is_expired(now):
        raise RosterError(_("This link has expired: the shift is over."))
    if action in link.done:
        raise RosterError(_("This has already been done from this link."))
    Action = ActionLink.Action
    if action == Action.TAKE:
        link.assignment = shift_take(shift=link.shift, agent=link.agent, now=now)
        # Whoever takes the shift checks in from the same link on arrival.
        link.actions = list(dict.fromkeys([*link.actions, Action.CHECK_IN]))
    else:
        assignment = link.assignment
        if assignment is None or assignment.agent_id != link.agent_id or assignment.shift_id != link.shift_id:
            raise RosterError(_("You are not on this shift."))
        try:
            if action == Action.CONFIRM:
                assignment.confirm(now=now)
            elif action == Action.CHECK_IN:
                assignment.check_in(now=now)
            else:
                assignment_cannot_come(assignment=assignment, now=now)
        except ValidationError as e:
            raise RosterError(" ".join(e.messages)) from e
    link.done[action] = now.isoformat()
    link.save(update_fields=["assignment", "actions", "done"])
    return link
