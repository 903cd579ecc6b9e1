"""
The CP-SAT model: one Boolean per (shift, agent) that may be paired, the hard rules as
constraints, and the objective solved level by level (see docs/solver.md).
"""

import concurrent.futures
import dataclasses
import datetime
import math
import os
import random
import sys
import time
from collections import Counter, defaultdict

from ortools.sat.python import cp_model

from roster.solver import clock, rules
from roster.solver.bound import fill_bound, relaxation_solver
from roster.solver.greedy import greedy
from roster.solver.problem import Problem, RulesContradict

# Each level's share of a part's time; what a level leaves unused passes on (solve_parts).
LEVEL_SHARES = {
    "filled": 0.5,
    "penalty": 0.8,
    "extra": 0.15,
    "requests": 0.15,
    "changes": 0.15,
    "gaps": 0.15,
    "fairness_excess": 0.15,
    # The pro-rated load above its floor is what people see, and the level still improved at
    # the end of its time on the bench's 20-line month; the two levels below settle in about a
    # second. From 0.3 / 0.1 / 0.1: the widest excess went from 3.6–5.7 to 1.5–1.8 pp there
    # (docs/solver.md), with as many wishes kept.
    "load_excess": 0.6,
    "load_spread": 0.05,
    "wishes": 0.05,
}

# The filled level's share when the greedy start leaves places empty (a short-staffed roster).
SHORT_FILL_SHARE = 4.0

# CP-SAT parameters beyond the worker count. Weighted problems get the full linear relaxation:
# on the Curtois & Qu benchmark it found markedly better rosters (docs/solver.md); the
# unweighted problems keep the defaults they were measured with.
SOLVER_PARAMETERS = {}
WEIGHTED_PARAMETERS = {"linearization_level": 2}
# A sub-model is small and solved again and again: probing and symmetry detection cost more
# than they save there (measured on instance 12: most neighbourhoods settled 15–30 % sooner).
SUB_MODEL_PARAMETERS = {"cp_model_probing_level": 0, "symmetry_level": 0}
DEBUG = os.environ.get("TRUCBAN_SOLVER_DEBUG")


class OutOfTime(Exception):
    """The model could not be built before the deadline."""


class ComponentModel:
    """The model of one independent part of the problem: lines and the agents who answer them."""

    def __init__(
        self,
        problem: Problem,
        shifts: list,
        agents: list,
        fixed: set,
        allowed=None,
        outside=None,
        others=None,
        deadline=None,
    ):
        """A neighbourhood of a search is a model of its own: `allowed`, when given, holds the
        only pairs beside `fixed` that get a variable, `outside` counts for each shift the
        agents on it who are left out of the model (they weigh in its cover), and `others`
        holds those agents' schedules ({agent id: [Shift]}): constants in the fairness levels.
        Building stops with OutOfTime past `deadline` (time.monotonic()): a year of 150 agents
        is a million pairs, and a minute to build."""
        self.deadline = deadline
        self.problem = problem
        self.shifts = shifts
        self.agents = agents
        self.fixed = set(fixed)
        self.outside = outside or {}
        self.others = others or {}
        self.model = cp_model.CpModel()
        self.x = {}  # (shift id, agent id) → BoolVar
        tz = problem.timezone

        self._pair_variables(fixed, allowed)
        by_agent = defaultdict(list)
        by_shift = defaultdict(list)
        for (shift_id, agent_id), var in self.x.items():
            by_agent[agent_id].append((problem.shift_by_id[shift_id], var))
            by_shift[shift_id].append(var)
        self.by_agent = by_agent
        self.by_shift = by_shift

        # Rule 7: at most `ceiling` agents a shift (one variable per pair: never twice).
        for shift in shifts:
            room = shift.ceiling - self.outside.get(shift.id, 0)
            if len(by_shift[shift.id]) > room:
                self.model.Add(sum(by_shift[shift.id]) <= room)
        for pair in fixed:
            self.model.Add(self.x[pair] == 1)

        weeks_inside = problem.weeks_inside_span
        self.request_terms = []  # (weight, expression of the request broken) for the penalty
        for agent in agents:
            self._in_time()
            options = sorted(by_agent[agent.id], key=lambda item: (item[0].start, item[0].id))
            if options:
                self._rest(options)
                self._weekly_hours(agent, options)
                self._weekly_rest(options, weeks_inside)
                self._nights(agent, options, tz)
            self._day_rules(agent, options)

        self._cover(by_shift)
        # The rules and the places alone, before any level adds its variables: the filled
        # level's search of a short-staffed roster re-solves this lean copy many times a second.
        self.rules_model = None if problem.weighted else self.model.Clone()

    def neighbourhood(self, roster: set, freed: set, days=None, others: bool = False, problem=None):
        """(sub-model, pairs of `roster` kept): a model of the `freed` agents alone, their pairs
        on `days` (every date when None) free and their other pairs in `roster` fixed; the
        other agents' pairs count as cover from outside and, with `others`, as constants of
        the fairness levels. `problem`, when given, is this one with other cover weights (a
        guided search's): the sub-model's penalty weighs its shifts."""
        shifts = self.shifts
        if problem is None:
            problem = self.problem
        else:
            shifts = [problem.shift_by_id[s.id] for s in shifts]
        window = {p for p in self.x if p[1] in freed and (days is None or problem.date_of[p[0]] in days)}
        kept = roster - window
        schedules = None
        if others:
            schedules = {a.id: [] for a in self.agents if a.id not in freed}
            for shift_id, agent_id in kept:
                if agent_id in schedules:
                    schedules[agent_id].append(problem.shift_by_id[shift_id])
        sub = ComponentModel(
            problem,
            shifts,
            [a for a in self.agents if a.id in freed],
            {p for p in kept | self.fixed if p[1] in freed},
            allowed=window,
            outside=Counter(shift_id for shift_id, agent_id in kept if agent_id not in freed),
            others=schedules,
        )
        return sub, kept

    def _in_time(self):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime

    def _pair_variables(self, fixed, allowed):
        """Rules 1, 2 and 15, a type the agent may not work at all, and history's rest: pairs
        that break them get no variable at all."""
        min_rest = rules.rest(self.problem)
        for shift in self.shifts:
            self._in_time()
            day = self.problem.date_of[shift.id]
            for agent in self.agents:
                pair = (shift.id, agent.id)
                if pair not in fixed:
                    if allowed is not None and pair not in allowed:
                        continue
                    if shift.line not in agent.lines or rules.unavailable_during(agent, shift.start, shift.end):
                        continue
                    if day in agent.days_off or not rules.may_work_type(self.problem.rules_for(agent), shift):
                        continue
                    history = self.problem.history_of(agent.id)
                    if any(rules.too_close(h.start, h.end, shift.start, shift.end, min_rest) for h in history):
                        continue
                self.x[pair] = self.model.NewBoolVar(f"x_{shift.id}_{agent.id}")

    def _rest(self, options):
        """Rule 3. Shifts too close to each other form an interval graph ([start, end + rest)
        overlapping), so one at-most-one per start point covers every maximal clique. A sweep
        over the start points keeps the shifts still too close to the current one."""
        min_rest = rules.rest(self.problem)
        seen = set()
        active = []  # (end + rest, var) of the shifts started so far
        i = 0
        while i < len(options):
            start = options[i][0].start
            while i < len(options) and options[i][0].start == start:
                active.append((options[i][0].end + min_rest, options[i][1]))
                i += 1
            active = [(until, var) for until, var in active if until > start]
            key = tuple(var.Index() for _, var in active)
            if len(active) > 1 and key not in seen:
                seen.add(key)
                self.model.AddAtMostOne([var for _, var in active])

    def _weekly_hours(self, agent, options):
        """Rule 4: hours inside each ISO week, history included, within the agent's cap."""
        tz = self.problem.timezone
        cap = rules.cap_seconds(self.problem, agent)
        history = self.problem.history_of(agent.id)
        by_week = defaultdict(list)  # each shift's weeks once: a year has 52 of them
        for shift, var in options:
            for week in clock.weeks_overlapping(shift.start, shift.end, tz):
                by_week[week].append((shift, var))
        for week, in_week in by_week.items():
            terms = [(clock.overlap_seconds(s.start, s.end, *week), var) for s, var in in_week]
            already = sum(clock.overlap_seconds(h.start, h.end, *week) for h in history)
            if sum(seconds for seconds, _ in terms) + already > cap:
                worked = cp_model.LinearExpr.WeightedSum([var for _, var in terms], [s for s, _ in terms])
                self.model.Add(worked <= max(0, cap - already))

    def _weekly_rest(self, options, weeks_inside):
        """Rule 5: some window of weekly_rest_hours inside the week is free. A free window can
        always slide back to the week's start or to the end of a shift, so those are the only
        windows to consider."""
        needed = datetime.timedelta(seconds=rules.weekly_rest_seconds(self.problem))
        if not needed:
            return
        for week_start, week_end in weeks_inside:
            in_week = [(s, var) for s, var in options if s.start < week_end and week_start < s.end]
            if not in_week:
                continue
            starts = {week_start} | {s.end for s, _ in in_week if week_start <= s.end <= week_end - needed}
            windows = []
            for start in sorted(starts):
                blocking = [var for s, var in in_week if s.start < start + needed and start < s.end]
                if not blocking:
                    windows = None  # this window is free whatever is chosen
                    break
                free = self.model.NewBoolVar("")
                for var in blocking:
                    self.model.AddImplication(free, var.Not())
                windows.append(free)
            if windows is not None:
                self.model.AddBoolOr(windows)

    def _nights(self, agent, options, tz):
        """Rule 6: night shifts start on at most max_consecutive_nights consecutive dates."""
        limit = self.problem.rules.max_consecutive_nights
        by_date = defaultdict(list)
        for shift, var in options:
            if clock.is_night(shift.start, shift.end, tz):
                by_date[clock.local_date(shift.start, tz)].append(var)
        if not by_date:
            return
        worked = {
            clock.local_date(h.start, tz)
            for h in self.problem.history_of(agent.id)
            if clock.is_night(h.start, h.end, tz)
        }
        night_on = {}
        for day, shift_vars in by_date.items():
            if day in worked:
                continue
            if len(shift_vars) == 1:
                night_on[day] = shift_vars[0]
            else:
                night_on[day] = self.model.NewBoolVar("")
                for var in shift_vars:
                    self.model.AddImplication(var, night_on[day])
        one_day = datetime.timedelta(days=1)
        for first in sorted({day - one_day * k for day in by_date for k in range(limit + 1)}):
            run = [first + one_day * k for k in range(limit + 1)]
            variables = [night_on[d] for d in run if d in night_on]
            constant = sum(1 for d in run if d in worked)
            if variables and len(variables) + constant > limit:
                self.model.Add(sum(variables) <= limit - constant)

    def _day_rules(self, agent, options):
        """Rules 8–16, the optional day-based rules, from the definitions in rules.py."""
        problem = self.problem
        r = problem.rules_for(agent)
        model = self.model
        by_date = defaultdict(list)
        for shift, var in options:
            by_date[problem.date_of[shift.id]].append((shift, var))
        one_a_day = r.max_shifts_per_day == 1

        # Rule 8: shifts a day.
        if r.max_shifts_per_day is not None:
            for on_day in by_date.values():
                if len(on_day) > r.max_shifts_per_day:
                    if one_a_day:
                        model.AddAtMostOne([var for _, var in on_day])
                    else:
                        model.Add(sum(var for _, var in on_day) <= r.max_shifts_per_day)

        # Rule 9: forbidden successions. With one shift a day, a shift and all the shifts that
        # may not follow it form a clique: one at-most-one instead of a clause per pair, which
        # the LP relaxation sees far better. Shifts with the same followers share theirs.
        if r.forbidden_successions:
            for day, on_day in by_date.items():
                next_day = by_date.get(day + clock.ONE_DAY, [])
                by_followers = defaultdict(list)
                for first, var in on_day:
                    followers = tuple(
                        v for second, v in next_day if rules.forbidden_succession(r, first, second, problem)
                    )
                    if followers:
                        by_followers[followers].append(var)
                for followers, firsts in by_followers.items():
                    if one_a_day:
                        model.AddAtMostOne(firsts + list(followers))
                    else:
                        for first in firsts:
                            for follower in followers:
                                model.AddBoolOr([first.Not(), follower.Not()])

        # Rule 10: shifts of a type.
        by_type = defaultdict(list)
        for shift, var in options:
            by_type[shift.type].append(var)
        for shift_type, variables in by_type.items():
            limit = r.type_limit(shift_type)
            if limit is not None and len(variables) > limit:
                model.Add(sum(variables) <= limit)

        # Rule 11: hours in the period, counted in the largest unit dividing every length.
        low, high = rules.period_limits_seconds(r)
        if options and (low is not None or high is not None):
            unit = math.gcd(*(s.seconds for s, _ in options))
            worked = cp_model.LinearExpr.WeightedSum([v for _, v in options], [s.seconds // unit for s, _ in options])
            possible = sum(s.seconds for s, _ in options)
            if high is not None and possible > high:
                model.Add(worked <= high // unit)
            if low is not None and low > 0:
                model.Add(worked >= -(-low // unit))
        elif low:
            model.AddBoolOr([])  # no shift at all for an agent who must work: infeasible

        # Worked days: w[d] is true when the agent works on local date d (False: cannot).
        worked_day = {}
        needs_days = r.max_consecutive_days or r.min_consecutive_days or r.min_consecutive_days_off
        if needs_days or r.max_weekends is not None:
            for day in problem.dates:
                on_day = [var for _, var in by_date.get(day, [])]
                if not on_day:
                    worked_day[day] = False
                elif len(on_day) == 1:
                    worked_day[day] = on_day[0]
                else:
                    w = model.NewBoolVar("")
                    if one_a_day:
                        model.Add(w == sum(on_day))
                    else:
                        for var in on_day:
                            model.AddImplication(var, w)
                        model.AddBoolOr([*on_day, w.Not()])
                    worked_day[day] = w

        # Rules 12 and 13: runs of work and rest, as the patterns that may not occur.
        for _rule, pattern in rules.run_patterns(r):
            for offset in range(len(problem.dates) - len(pattern) + 1):
                days = problem.dates[offset : offset + len(pattern)]
                if all(pattern):
                    variables = [worked_day[d] for d in days if worked_day[d] is not False]
                    if len(variables) == len(pattern):
                        model.Add(sum(variables) <= len(pattern) - 1)
                    continue
                clause = []
                satisfied = False
                for day, work in zip(days, pattern, strict=True):
                    w = worked_day[day]
                    if work is None:
                        continue
                    if w is False:
                        if work:
                            satisfied = True  # a day that cannot be worked breaks the pattern
                            break
                        continue
                    clause.append(w.Not() if work else w)
                if not satisfied:
                    model.AddBoolOr(clause)

        # Rule 14: working weekends.
        if r.max_weekends is not None:
            worked_weekends = []
            for days in rules.weekends(problem.dates):
                variables = [worked_day[d] for d in days if worked_day[d] is not False]
                if len(variables) == 1:
                    worked_weekends.append(variables[0])
                elif variables:
                    weekend = model.NewBoolVar("")
                    for var in variables:
                        model.AddImplication(var, weekend)
                    worked_weekends.append(weekend)
            if len(worked_weekends) > r.max_weekends:
                model.Add(sum(worked_weekends) <= r.max_weekends)

        # Rule 16: overtime beyond the normal week, within each month's (and year's) ceiling.
        if r.overtime is not None and options:
            normal = rules.normal_week_seconds(r)
            unit = math.gcd(*(s.seconds for s, _ in options), normal, 60)
            overtime_of = {}
            for limit, _label, weeks in rules.overtime_groups(problem, r):
                extras = []
                for week in weeks:
                    if week not in overtime_of:
                        terms = [(clock.overlap_seconds(s.start, s.end, *week) // unit, v) for s, v in options]
                        terms = [(seconds, v) for seconds, v in terms if seconds]
                        possible = sum(seconds for seconds, _ in terms)
                        if possible * unit <= normal:
                            overtime_of[week] = None
                        else:
                            extra = model.NewIntVar(0, possible - normal // unit, "")
                            worked = cp_model.LinearExpr.WeightedSum([v for _, v in terms], [t for t, _ in terms])
                            model.Add(extra >= worked - normal // unit)
                            overtime_of[week] = extra
                    if overtime_of[week] is not None:
                        extras.append(overtime_of[week])
                if extras:
                    model.Add(sum(extras) <= limit // unit)

        # Requests: the penalty of those not granted.
        for request in agent.requests:
            shifts = rules.request_shifts(problem, request, [s for s, _ in by_date.get(request.date, ())])
            variables = [self.x[s.id, agent.id] for s in shifts]
            if not variables:
                if request.on:
                    self.request_terms.append((request.weight, 1))
                continue
            if len(variables) == 1 or one_a_day:
                working = sum(variables)
            else:
                working = model.NewBoolVar("")
                for var in variables:
                    model.AddImplication(var, working)
                model.AddBoolOr([*variables, working.Not()])
            self.request_terms.append((request.weight, 1 - working if request.on else working))

    def _cover(self, by_shift):
        """Places filled, and under- and over-cover of each shift for the weighted penalty."""
        filled_terms, penalty_terms, extra_terms = [], [], []
        weighted = self.problem.weighted
        for shift in self.shifts:
            variables = by_shift[shift.id]
            base = self.outside.get(shift.id, 0)
            count = cp_model.LinearExpr.Sum(variables) + base
            if shift.ceiling > shift.required and variables:
                under = self.model.NewIntVar(0, shift.required, "")
                over = self.model.NewIntVar(0, shift.ceiling - shift.required, "")
                self.model.Add(count - over + under == shift.required)
            elif not variables and base:
                # Only agents left out of this model are on it: the cover is a constant.
                under, over = max(0, shift.required - base), max(0, base - shift.required)
            else:
                under, over = shift.required - count, 0
            if weighted and shift.under_weight is not None:
                penalty_terms.append(shift.under_weight * under)
            elif shift.required:
                filled_terms.append(shift.required - under)
            if shift.over_weight and (variables or base):
                penalty_terms.append(shift.over_weight * over)
            if not weighted and shift.ceiling > shift.required and (variables or base):
                extra_terms.append(over)
        penalty_terms += [weight * term for weight, term in self.request_terms]
        # An unweighted problem always has the level (possibly 0); a weighted one when some
        # places carry no weight.
        self.filled = cp_model.LinearExpr.Sum(filled_terms) if filled_terms or not weighted else None
        self.penalty = cp_model.LinearExpr.Sum(penalty_terms) if self.problem.penalised else None
        # Agents beyond `required` where a shift allows them (`max`): only as many as the rules
        # need (a part-timer's minimum of hours), never to even out the loads.
        self.extra = cp_model.LinearExpr.Sum(extra_terms) if extra_terms else None

    # Objective levels ---------------------------------------------------------------------------

    def levels(self, current: set, gaps: bool = True) -> list:
        """(name, expression, sense) in the contract's order; sense +1 maximise, -1 minimise.

        A weighted problem minimises its penalty, after the places that carry no weight.
        Without `gaps` (every place filled already) the gaps level is left out."""
        levels = []
        weighted = self.problem.weighted
        if self.filled is not None:
            levels.append(("filled", self.filled, 1))
        if weighted:
            levels.append(("penalty", self.penalty, -1))
        elif self.extra is not None:
            levels.append(("extra", self.extra, -1))
        kept = [self.x[pair] for pair in current if pair in self.x]
        if kept:
            # Current assignments that can no longer be kept are changes whatever we do.
            levels.append(("changes", len(current) - cp_model.LinearExpr.Sum(kept), -1))
        if not weighted and gaps:
            spread = self._gaps()
            if spread is not None:
                levels.append(("gaps", spread, -1))
        if not weighted and self.penalty is not None:
            # Requests without cover weights (agents' wishes): granted wherever the places, a
            # re-plan's minimal change and the gaps leave a choice, before fairness.
            levels.append(("requests", self.penalty, -1))
        # Fairness is the unweighted problems' (a weighted one minimises its penalty instead):
        # first the promise between peers, then the pro-rated load of everyone sharing a line.
        if not weighted:
            excess = self._peers()
            if excess is not None:
                levels.append(("fairness_excess", excess, -1))
            load_excess, load_spread = self._loads()
            if load_excess is not None:
                levels.append(("load_excess", load_excess, -1))
                levels.append(("load_spread", load_spread, -1))
        wishes = self._wishes()
        if wishes is not None:
            levels.append(("wishes", wishes, -1))
        return levels

    def _gaps(self):
        """Σ over adjacent shifts of a line both left short of their places, of their hours
        together (rules.adjacent_shifts): places that stay empty are spread out in time."""
        unit = math.gcd(*(s.seconds for s in self.shifts)) or 1
        short = {}
        for shift in self.shifts:
            variables = self.by_shift[shift.id]
            if shift.required == 0:
                short[shift.id] = 0
            elif len(variables) < shift.required:
                short[shift.id] = 1  # short whatever is chosen
            else:
                # Short unless every place is taken (minimising sets it to 0 whenever it may).
                short[shift.id] = self.model.NewBoolVar("")
                self.model.Add(cp_model.LinearExpr.Sum(variables) + shift.required * short[shift.id] >= shift.required)
        terms = []
        for first, second in rules.adjacent_shifts(self.shifts):
            a, b = short[first.id], short[second.id]
            if isinstance(a, int) and isinstance(b, int):
                both = a * b
            elif isinstance(a, int):
                both = b if a else 0
            elif isinstance(b, int):
                both = a if b else 0
            else:
                both = self.model.NewBoolVar("")
                self.model.Add(both >= a + b - 1)
            if not (isinstance(both, int) and both == 0):
                terms.append(((first.seconds + second.seconds) // unit, both))
        if not terms:
            return None
        return cp_model.LinearExpr.Sum([weight * term for weight, term in terms])

    def _peers(self):
        """Peers (same lines, same cap, same balance, never unavailable) share hours, nights and
        weekends: how far, summed over each group of peers, the spread (max − min) of hours
        exceeds the longest shift and those of night and weekend shifts exceed 1."""
        tz = self.problem.timezone
        groups = defaultdict(list)
        for agent in self._fairness_agents():
            if not agent.unavailable:
                past = self.problem.balance_by_agent.get(agent.id)
                past = None if past is None else dataclasses.replace(past, agent="")
                groups[(agent.lines, rules.cap_seconds(self.problem, agent), past)].append(agent)
        # Hours are counted in the largest unit that divides every shift's length (4 h for a
        # mix of 8 h and 12 h shifts): the same order, far smaller numbers for the search.
        unit = math.gcd(*(s.seconds for s in self.shifts)) or 1
        longest = max((s.seconds for s in self.shifts), default=0) // unit
        measures = (
            lambda s: s.seconds // unit,
            lambda s: int(clock.is_night(s.start, s.end, tz)),
            lambda s: int(rules.is_weekend(s, self.problem)),
        )
        excess_terms = []
        for peers in groups.values():
            if len(peers) < 2 or all(a.id in self.others for a in peers):
                continue
            for index, weigh in enumerate(measures):
                totals = [self._schedule_terms(agent, weigh) for agent in peers]
                upper = max((c + sum(w for w, _ in terms) for c, terms in totals), default=0)
                if upper == 0:
                    continue
                high = self.model.NewIntVar(0, upper, "")
                low = self.model.NewIntVar(0, upper, "")
                for constant, terms in totals:
                    total = constant + cp_model.LinearExpr.WeightedSum([v for _, v in terms], [w for w, _ in terms])
                    self.model.Add(high >= total)
                    self.model.Add(low <= total)
                bound = longest if index == 0 else 1
                over = self.model.NewIntVar(0, upper, "")
                self.model.Add(over >= high - low - bound)
                excess_terms.append(over)
        return cp_model.LinearExpr.Sum(excess_terms) if excess_terms else None

    def _fairness_agents(self) -> list:
        """The agents whose loads the fairness levels compare: the model's and those left out."""
        return self.agents + [self.problem.agent_by_id[agent_id] for agent_id in self.others]

    def _schedule_terms(self, agent, weigh) -> tuple:
        """(constant, [(coefficient, var)]) of what an agent's schedule adds to a measure,
        `weigh(shift)` a shift's integer share: an agent left out of the model is a constant,
        summed term by term like the variables (the same rounding either way)."""
        if agent.id in self.others:
            return sum(weigh(s) for s in self.others[agent.id]), []
        terms = [(weigh(s), var) for s, var in self.by_agent[agent.id]]
        return 0, [(c, var) for c, var in terms if c]

    def _loads(self):
        """The pro-rated load of the agents sharing each line (rules.load_spreads measures it).

        Loads are linear in the pairs, in LOAD_SCALE units of the agent's capacity (each
        shift's coefficient rounded). Per line and measure, high ≥ every load ≥ low; the excess
        level brings each spread high − low down to the floor (one shift of the line against
        the group's smallest capacity), the spread level then minimises n·(high − low) plus
        the sum of each load's distance from low."""
        problem = self.problem
        counted = {}

        def count(shift):
            if shift.id not in counted:
                counted[shift.id] = rules.counted(shift, problem)
            return counted[shift.id]

        excess_terms, spread_terms = [], []
        for line, members in rules.load_groups(problem, self._fairness_agents()):
            if all(a.id in self.others for a in members):
                continue  # only constants: a sub-model's level differs by them alone
            weight = rules.line_weight_seconds(problem, line)
            capacity = {a.id: rules.capacity_seconds(problem, a) for a in members}
            floor = rules.load_floor(weight, capacity.values())
            for index in range(len(rules.MEASURES)):
                loads = []
                for agent in members:
                    per = rules.load_per(index, weight, capacity[agent.id])
                    past = round(rules.past_counts(problem, agent)[index] * per)
                    constant, terms = self._schedule_terms(agent, lambda s, i=index, p=per: round(count(s)[i] * p))
                    loads.append((past + constant, terms))
                if all(not terms for _, terms in loads) and len({c for c, _ in loads}) == 1:
                    continue
                upper = max(c + sum(w for w, _ in terms) for c, terms in loads)
                lowest = min(c for c, _ in loads)
                high = self.model.NewIntVar(lowest, upper, "")
                low = self.model.NewIntVar(lowest, upper, "")
                distances = []
                for constant, terms in loads:
                    load = constant + cp_model.LinearExpr.WeightedSum([v for _, v in terms], [w for w, _ in terms])
                    self.model.Add(high >= load)
                    self.model.Add(low <= load)
                    distances.append(load - low)
                over = self.model.NewIntVar(0, upper, "")
                self.model.Add(over >= high - low - floor)
                excess_terms.append(over)
                spread_terms.append(len(members) * (high - low))
                spread_terms.extend(distances)
        if not excess_terms:
            return None, None
        return cp_model.LinearExpr.Sum(excess_terms), cp_model.LinearExpr.Sum(spread_terms)

    def _wishes(self):
        """Days off wished that a shift (any overlap with the local date) takes away."""
        tz = self.problem.timezone
        terms = []
        for agent in self.agents:
            for day in agent.days_off_wished:
                start = clock.local_midnight(day, tz)
                end = clock.local_midnight(day + datetime.timedelta(days=1), tz)
                working = [var for s, var in self.by_agent[agent.id] if s.start < end and start < s.end]
                if working:
                    broken = self.model.NewBoolVar("")
                    for var in working:
                        self.model.AddImplication(var, broken)
                    terms.append(broken)
        return cp_model.LinearExpr.Sum(terms) if terms else None


# The order the levels of several parts are solved in: a level in every part before the next
# level in any, so that one part's wishes never take the time another part's fairness needs.
LEVEL_ORDER = (
    "filled",
    "penalty",
    "extra",
    "changes",
    "gaps",
    "requests",
    "fairness_excess",
    "load_excess",
    "load_spread",
    "wishes",
)
# Levels with a target people check (0: everyone within one shift), taken up again with the
# time other parts left when their search ran out of time. The levels below are sums with no
# such target: their searches stall, and a second go would only take time.
AGAIN_LEVELS = ("fairness_excess", "load_excess")


class PartSolve:
    """One part's levels, solved one at a time from a start roster; solve_parts decides when,
    and for how long. Raises RulesContradict (a ProblemError) when CP-SAT proves that no
    roster keeps every rule.

    Unless a rule with a minimum (hours, runs of work or rest) is given, there is always a
    roster to return: at worst the greedy start, when the time runs out before CP-SAT finds one."""

    def __init__(self, component: ComponentModel, fixed: set, current: set, deadline: float, workers: int, size=1):
        """Builds the start roster within `deadline` (time.monotonic()); `size` weighs the
        part's time against the others'."""
        problem = component.problem
        self.component, self.current, self.workers, self.size = component, current, workers, size
        self.solver = solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        for name, value in {**SOLVER_PARAMETERS, **(WEIGHTED_PARAMETERS if problem.weighted else {})}.items():
            if isinstance(value, list):
                getattr(solver.parameters, name).extend(value)
            else:
                setattr(solver.parameters, name, value)
        model = component.model
        # Start from the current roster as far as it still fits, filled up greedily. It is
        # fair-ish already, which the fairness levels build on. The greedy keeps every rule but
        # the minimums (of hours, of runs of work or rest); when it breaks one of those it is
        # only a hint, not a fallback.
        # A weighted problem has no fairness levels: its start stays the first engine's greedy.
        if problem.weighted and component.filled is None:
            # Every place carries a weight: the penalty level builds its own start agent by agent
            # (weighted.py); the greedy's would only be overwritten, and it took over a minute on
            # the benchmark's largest instance.
            start = set(fixed)
        else:
            start = set(
                greedy(
                    problem,
                    fixed=fixed,
                    keep=current,
                    shifts=component.shifts,
                    agents=component.agents,
                    prorated=not problem.weighted,
                )
            )
        self.places = _filled_upper_bound(component)
        if not problem.weighted and len(start) < self.places:
            # Places stay empty: the first engine's greedy sometimes fills a few more, and filling
            # comes first. The pro-rated one wins ties (it is the fairer start).
            plain = set(
                greedy(
                    problem, fixed=fixed, keep=current, shifts=component.shifts, agents=component.agents, prorated=False
                )
            )
            if len(plain) > len(start) and len(current - plain) <= len(current - start):
                start = plain
        self.start = start
        self.start_ok = _keeps_every_rule(problem, component.agents, start)
        # When the start keeps every rule and fills every place there is no gap to spread: the
        # level is not even built.
        self.required = sum(s.required for s in component.shifts)
        filled_by_start = self.start_ok and len(start) >= self.required
        self.levels = component.levels(current, gaps=not filled_by_start)
        start_values = {var.Index(): pair in start for pair, var in component.x.items()}
        self.incumbent = None  # every variable's value in the roster the levels go on from, when known
        if self.start_ok:
            completion_limit = min(2.0, max(0.05, (deadline - time.monotonic()) * 0.2))
            self.incumbent = complete(model, start_values, self.levels, completion_limit)
            hint_everything(model, self.incumbent)
        else:
            for pair, var in component.x.items():
                model.AddHint(var, pair in start)
        self.fallback = sorted(start) if self.start_ok else None
        self.shares = dict(LEVEL_SHARES)
        if not problem.weighted and len(start) < self.places:
            # Places stay empty after the greedy: filling comes first, and it is where the time pays.
            self.shares["filled"] = SHORT_FILL_SHARE
        self.index = 0  # the next level's
        self.chosen = None
        self.bounds = {}
        self.values = {}  # each level's value in the roster so far
        self.statuses = []
        self.again = False  # whether the level just solved may be taken up again
        self.attempts = 0  # how many times it was taken up again

    @property
    def next_level(self) -> str | None:
        return self.levels[self.index][0] if self.index < len(self.levels) else None

    def weight(self, name: str) -> float:
        return self.size * self.shares[name]

    def weight_left(self) -> float:
        return sum(self.weight(name) for name, _, _ in self.levels[self.index :])

    def stop(self) -> None:
        """Out of time: the levels left are not solved, and the roster is what we have."""
        if self.next_level is not None:
            self.statuses.append(cp_model.FEASIBLE)
        self.chosen = self.chosen if self.chosen is not None else self.fallback
        self.index = len(self.levels)

    def solve_level(self, budget: float) -> None:
        """Solve the next level within `budget` seconds, keeping its value for the levels below."""
        component, problem, model, start = self.component, self.component.problem, self.component.model, self.start
        index = self.index
        name, expression, sense = self.levels[index]
        self.index += 1
        self.again = False
        self.solver.parameters.max_time_in_seconds = max(budget, 0.01)
        if name == "filled" and self.incumbent is not None and not problem.weighted and len(start) == self.places:
            # The greedy start fills every place that has a qualified agent: nothing to solve.
            value = len(start)
            self.statuses.append(cp_model.OPTIMAL)
            self.bounds[name] = self.values[name] = value
            self.chosen = sorted(start)
            model.Add(expression >= value)
            return  # its time goes to the levels below
        if (
            name == "extra"
            and self.start_ok
            and self.values.get("filled") == len(start)
            and _extra_agents(component, start) == 0
        ):
            # The start fills the places it can with nobody beyond them: nothing to solve.
            self.statuses.append(cp_model.OPTIMAL)
            self.bounds[name] = 0
            model.Add(expression <= 0)
            return
        if name == "gaps" and self.values.get("filled") == self.required:
            # Every place is filled: no gap to spread.
            self.statuses.append(cp_model.OPTIMAL)
            self.bounds[name] = 0
            return
        if sense > 0:
            model.Maximize(expression)
        else:
            model.Minimize(expression)
        if name == "filled" and not problem.weighted:
            status, response = _solve_filled(component, expression, budget, self.workers, self.incumbent)
        elif name == "penalty" and component.filled is None:
            # Every place carries a weight: the search on sub-models (imported here, as it
            # builds on this module).
            from roster.solver.weighted import solve_penalty

            status, response = solve_penalty(component, self.solver, budget, self.workers, expression)
        elif name == "penalty":
            status, response = solve_searched(component, self.solver, budget, self.workers, expression)
        elif name in SEARCHED_LEVELS and self.incumbent is not None:
            status, response = self._searched(index, budget)
        else:
            status = self.solver.Solve(model)
            response = self.solver.ResponseProto()
        if status == cp_model.INFEASIBLE and self.chosen is None:
            raise RulesContradict("no roster keeps every rule (CP-SAT proved the rules contradict each other)")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and name == "extra":
            # Its share is small: without an answer in it, the levels below still get theirs.
            self.statuses.append(cp_model.FEASIBLE)
            return
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Out of time before this level found anything: keep what we have, which is at
            # worst the greedy start (complete and within every rule) when there is one.
            self.index -= 1
            self.stop()
            return
        self.statuses.append(status)
        if DEBUG:
            print(f"level {name}: {status} {response.objective_value}, {budget:.1f} s budget", file=sys.stderr)
        value = round(response.objective_value)
        self.bounds[name] = round(response.best_objective_bound)
        self._keep(name, expression, sense, value, response)
        if (
            self.start_ok
            and not problem.weighted
            and (
                (name == "filled" and len(start) == value) or (name == "changes" and len(self.current - start) == value)
            )
        ):
            # The greedy start is as good here and fairer than an arbitrary optimum: go on from it.
            self.chosen = sorted(start)
        else:
            self._go_on_from(response)
        self.again = name in AGAIN_LEVELS and status == cp_model.FEASIBLE and self.incumbent is not None

    def solve_again(self, budget: float) -> None:
        """Search the level just solved again for `budget` seconds, from the roster it left; it
        may be taken up again when this gains. (The model's objective is still the level's.)"""
        index, self.again = self.index - 1, False
        name, expression, sense = self.levels[index]
        self.attempts += 1
        status, response = self._searched(index, budget, self.attempts)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return
        if DEBUG:
            print(f"level {name} again: {status} {response.objective_value}, {budget:.1f} s budget", file=sys.stderr)
        value = round(response.objective_value)
        if status == cp_model.OPTIMAL:
            self.statuses[-1] = status
        self.again = status != cp_model.OPTIMAL and value < self.values[name]
        self.bounds[name] = max(self.bounds.get(name, 0), round(response.best_objective_bound))
        self._keep(name, expression, sense, value, response)
        self._go_on_from(response)

    def _keep(self, name, expression, sense, value, response) -> None:
        """The level's roster and value, kept while the levels below are solved."""
        self.values[name] = value
        self.chosen = [pair for pair, var in self.component.x.items() if response.solution[var.Index()]]
        if sense > 0:
            self.component.model.Add(expression >= value)
        else:
            self.component.model.Add(expression <= value)

    def _go_on_from(self, response) -> None:
        """The levels below start from the level's roster (every variable's value)."""
        hint_everything(self.component.model, response.solution)
        self.incumbent = list(response.solution)

    def _searched(self, index: int, budget: float, attempt: int = 0):
        expression = self.levels[index][1]
        fair = (self.levels, index, self.current)
        return solve_searched(
            self.component, self.solver, budget, self.workers, expression, self.incumbent, fair=fair, attempt=attempt
        )

    def result(self):
        """(status, chosen pairs or None, {level: proven bound})."""
        if self.chosen is None:
            return "UNKNOWN", None, self.bounds
        if "filled" not in self.bounds and self.component.filled is not None:
            self.bounds["filled"] = _filled_upper_bound(self.component)
        proven = all(s == cp_model.OPTIMAL for s in self.statuses) and len(self.statuses) == len(self.levels)
        return ("OPTIMAL" if proven else "FEASIBLE"), self.chosen, self.bounds


def solve_parts(parts: list, deadline: float) -> None:
    """Solve the parts' levels until the deadline (time.monotonic()), one level in every part
    before the next, each for its share of the time left (its part's size times the level's
    share). What a part leaves unused passes on, and where a level with a target ran out of
    time in one part while others reached it early, that part takes it up again."""
    while True:
        pending = [part for part in parts if part.next_level is not None]
        if not pending:
            return
        rank = min(LEVEL_ORDER.index(part.next_level) for part in pending)
        round_parts = [part for part in pending if LEVEL_ORDER.index(part.next_level) == rank]
        # A level taken up again gets each part's share of the time as it is at the round's
        # start: what one part leaves unused goes to the parts that take the level up again,
        # not to whichever comes next. Any other passes it on to the next part.
        level = LEVEL_ORDER[rank]
        again_level = level in AGAIN_LEVELS and len(round_parts) > 1
        round_time, round_weights = deadline - time.monotonic(), sum(part.weight_left() for part in parts)
        for part in round_parts:
            remaining = deadline - time.monotonic()
            if remaining <= 0.01:
                part.stop()
                continue
            weight = part.weight(part.next_level)
            if again_level:
                part.solve_level(min(remaining, round_time * weight / round_weights))
            else:
                part.solve_level(remaining * weight / sum(p.weight_left() for p in parts))
        if not again_level:
            continue
        # The levels below keep their share of the round's time; the second goes share the rest.
        below = round_time * (round_weights - sum(part.weight(level) for part in round_parts)) / round_weights
        again = [part for part in round_parts if part.again]
        while again:
            for part in again:
                spare = deadline - time.monotonic() - below
                if spare <= 0.5:
                    part.again = False
                    continue
                weights = sum(p.weight(level) for p in again if p.again)
                part.solve_again(spare * part.weight(level) / weights)
            again = [part for part in again if part.again]


def _extra_agents(component: ComponentModel, pairs) -> int:
    """How many agents of `pairs` are beyond their shifts' places."""
    count = Counter(shift_id for shift_id, _ in pairs)
    return sum(max(0, count[s.id] - s.required) for s in component.shifts)


# The filled level of a short-staffed roster: this share of its time may go to the pattern
# model's bound (bound.py), which usually takes a second or two.
BOUND_SHARE = 0.3
# ... and this share of what is left to the dive (_dive) before the neighbourhood search.
DIVE_SHARE = 0.5


def _solve_filled(component: ComponentModel, expression, budget: float, workers: int, start):
    """(status, response-like) of the filled level when places stay empty: the bound from the
    pattern model, the dive, then our neighbourhood search for the empty places until the fill
    meets the bound. Without a start roster, or when the pattern model is too large, CP-SAT
    solves the level first (its full relaxation on one worker gives its own bound)."""
    model = component.model
    deadline = time.monotonic() + budget
    places = _filled_upper_bound(component)
    found = fill_bound(component, time.monotonic() + budget * BOUND_SHARE, workers)
    bound = places if found is None else min(places, found.bound)
    if DEBUG:
        spent = budget - (deadline - time.monotonic())
        print(f"fill: budget {budget:.1f} s, bound {bound} after {spent:.1f} s", file=sys.stderr)
    if found is not None and start is not None and bound > _filled(component, start):
        start = _dive(component, found, start, time.monotonic() + (deadline - time.monotonic()) * DIVE_SHARE, workers)
        if DEBUG:
            spent = budget - (deadline - time.monotonic())
            print(f"fill: dive {_filled(component, start)} at {spent:.1f} s", file=sys.stderr)
    if found is None or start is None:
        solver = relaxation_solver(workers, max(0.01, (deadline - time.monotonic()) * (0.5 if start else 1)))
        status = solver.Solve(model)
        response = solver.ResponseProto()
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, response
        bound = min(bound, math.floor(response.best_objective_bound + 1e-6))
        if start is None or response.objective_value >= bound:
            status = cp_model.OPTIMAL if response.objective_value >= bound else status
            return status, _Incumbent(list(response.solution), response.objective_value, bound)
        if response.objective_value > _filled(component, start):
            start = list(response.solution)
    unfilled = places - expression
    if _filled(component, start) >= bound:
        # The start (greedy or dive) already fills as many as any roster can.
        best = _Incumbent(list(start), places - _filled(component, start), places - bound)
        status = cp_model.OPTIMAL
    else:
        # Leave the completion below a little of the level's time.
        reserve = min(1.0, budget * 0.05)
        status, best = solve_searched(
            component,
            None,
            deadline - reserve - time.monotonic(),
            workers,
            unfilled,
            start,
            bound=places - bound,
            filling=True,
        )
    # The search ran on the lean copy: every other variable's value, from the pairs chosen,
    # within what is left of the level's time. Should that run out, the lower levels still
    # have the pairs (their searches fix the pairs and re-solve the rest; a hint may be off).
    pairs = {var.Index(): best.solution[var.Index()] for var in component.x.values()}
    solution = complete(model, pairs, [("filled", expression, 1)], max(0.2, min(2.0, deadline - time.monotonic())))
    if solution is None:
        solution = list(best.solution) + [0] * (len(model.Proto().variables) - len(best.solution))
    return status, _Incumbent(solution, places - best.value, places - best.bound)


def _filled(component: ComponentModel, solution) -> int:
    """Places a roster (every variable's value, or the lean copy's) fills, up to each shift's required."""
    on_shift = defaultdict(int)
    for (shift_id, _), var in component.x.items():
        on_shift[shift_id] += solution[var.Index()]
    return sum(min(s.required, on_shift[s.id]) for s in component.shifts)


def _dive(component: ComponentModel, found, start, until: float, workers: int):
    """The lean model solved by CP-SAT with each agent held to at most the pattern model's
    counts: a far smaller search, which on the bench reaches the bound itself (411 and 358
    within 9–12 s on a shared machine). Returns the better of its roster and `start`, as
    values of the lean copy's variables."""
    lean = component.rules_model
    start = list(start[: len(lean.Proto().variables)])
    dive = lean.Clone()
    for agent_id, shift_ids, count in found.counts:
        dive.Add(cp_model.LinearExpr.Sum([component.x[s, agent_id] for s in shift_ids]) <= count)
    dive.Maximize(component.filled)
    solver = cp_solver(workers, max(0.05, until - time.monotonic()))
    status = solver.Solve(dive)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.ObjectiveValue() > _filled(component, start):
        return list(solver.ResponseProto().solution)
    return start


# The penalty level of a weighted problem: a first solve, then large-neighbourhood search of
# our own, then a last solve from the best roster for the bound. The neighbourhoods are a few
# agents' whole schedules, or every agent over a window of days: what nurse-rostering local
# search moves, and what CP-SAT's generic neighbourhoods rarely pick out.
FIRST_SOLVE_SHARE = 0.1
# A level searched on sub-models skips its first whole-model solve above this many pairs: on the
# bench's 20-line month (parts of 36 agents, about 3,600 pairs) that solve found a load excess
# 10–20 times the start's in its second, every time.
FIRST_SOLVE_PAIRS = 3000
LAST_SOLVE_SHARE = 0.1
NEIGHBOURHOOD_SECONDS = 1.0
# The unweighted levels that measure fairness (and the requests of a problem without cover
# weights) are searched on sub-models of a few agents (fair.py): the load moves only between
# agents who share a line.
SEARCHED_LEVELS = ("requests", "fairness_excess", "load_excess", "load_spread", "wishes")


def solve_searched(
    component: ComponentModel,
    solver: cp_model.CpSolver,
    budget: float,
    workers: int,
    expression,
    start=None,
    *,
    bound: float = 0,
    filling: bool = False,
    fair=None,
    attempt: int = 0,
):
    """(status, response-like) for a minimised level within `budget` seconds: a first solve,
    our neighbourhood search, a last solve. `start` (every variable's value in a roster that
    keeps the levels so far) is where the search begins if the first solve finds nothing.
    `bound` is a lower bound known beforehand; `filling` searches for the places left empty
    (the filled level of a short-staffed roster) until the time is up or the bound is met.
    `fair`, (levels, this level's index, current pairs), searches an unweighted level on
    sub-models (fair.py) rather than on copies of the whole model; `attempt` counts the times
    the level was taken up again (its moves are drawn anew)."""
    model = component.model
    started = time.monotonic()
    deadline = started + budget
    if filling:
        # On the lean copy of the model (its variables come first, so a roster of the whole
        # model begins with one of the copy); the caller completes the result.
        lean = component.rules_model.Clone()
        lean.Minimize(expression)
        start = list(start[: len(lean.Proto().variables)])
        indices = [var.Index() for var in component.x.values()]
        _, value, solved = _solve_fixed(lean, indices, start, set(), max(0.5, budget * FIRST_SOLVE_SHARE))
        if value is None:
            # No time even to complete the start: its places are still known.
            value, solved = _filled_upper_bound(component) - _filled(component, start), start
        best = _Incumbent(solved, value, bound)
        if best.value > best.bound:
            _neighbourhood_search(component, best, deadline, workers, filling=True, model=lean)
        return (cp_model.OPTIMAL if best.value <= best.bound else cp_model.FEASIBLE), best
    if start is not None:
        # An unweighted level from a roster we have: its value first (a start already at the
        # level's bound, 0, is done). A short CP-SAT solve settles a small problem at once; on
        # a larger one its presolve tends to lose the hint, so the search goes on from the
        # better of its roster and the one we have. On the largest it is not tried, but for a
        # re-plan: there the minimal change leaves it little to search, and it settles fast.
        indices = [var.Index() for var in component.x.values()]
        _, value, solved = _solve_fixed(model, indices, start, set(), max(0.5, budget * FIRST_SOLVE_SHARE))
        best = _Incumbent(list(start), math.inf, bound) if value is None else _Incumbent(solved, value, bound)
        if best.value <= best.bound:
            return cp_model.OPTIMAL, best
        replan = fair is not None and bool(fair[2])  # the current roster, third in `fair`
        if value is None or len(component.x) <= FIRST_SOLVE_PAIRS or replan:
            solver.parameters.max_time_in_seconds = max(0.05, budget * FIRST_SOLVE_SHARE)
            status = solver.Solve(model)
            response = solver.ResponseProto()
            if status == cp_model.OPTIMAL:
                return status, response
            if status == cp_model.FEASIBLE:
                best.bound = max(bound, response.best_objective_bound)
                if response.objective_value < best.value:
                    best.solution, best.value = list(response.solution), response.objective_value
        status = cp_model.FEASIBLE
    else:
        solver.parameters.max_time_in_seconds = max(budget * FIRST_SOLVE_SHARE, min(budget, 2.0))
        status = solver.Solve(model)
        if status == cp_model.UNKNOWN and deadline - time.monotonic() > 0.05:
            # No roster yet: the search has nothing to start from, so go on with the whole level.
            solver.parameters.max_time_in_seconds = deadline - time.monotonic()
            status = solver.Solve(model)
        if status != cp_model.FEASIBLE:
            return status, solver.ResponseProto()
        first = solver.ResponseProto()
        best = _Incumbent(list(first.solution), first.objective_value, first.best_objective_bound)

    # From a roster we have, the last solve would mostly lose its hint too: the search takes its time.
    search_until = deadline - (0 if start is not None else budget * LAST_SOLVE_SHARE)
    if fair is not None and best.value != math.inf:
        # Imported here, as it builds on this module.
        from roster.solver import fair as fair_search

        fair_search.search(component, *fair, best, search_until, workers, attempt)
    elif start is not None or search_until - time.monotonic() > NEIGHBOURHOOD_SECONDS * 2:
        _neighbourhood_search(component, best, search_until, workers)

    if best.value == math.inf:
        return cp_model.UNKNOWN, solver.ResponseProto()
    if best.value <= best.bound:
        return cp_model.OPTIMAL, best
    if start is not None:
        # The search went on from our roster until it stalled; the rest of the time goes to
        # the levels below (a whole-model solve here would mostly lose the hint).
        return cp_model.FEASIBLE, best
    return last_solve(model, solver, expression, best, deadline)


def last_solve(model: cp_model.CpModel, solver: cp_model.CpSolver, expression, best: "_Incumbent", deadline: float):
    """(status, best): the whole level solved once more from the best roster (every variable's
    value) until the deadline, for its bound and any last gain; `best` is updated in place."""
    remaining = deadline - time.monotonic()
    if remaining > 0.05 and best.value > best.bound:
        hint_everything(model, best.solution)
        model.Add(expression <= round(best.value))
        solver.parameters.max_time_in_seconds = remaining
        status = solver.Solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            response = solver.ResponseProto()
            if response.objective_value <= best.value:
                best.solution, best.value = list(response.solution), response.objective_value
            best.bound = max(best.bound, response.best_objective_bound)
            if status == cp_model.OPTIMAL:
                return status, best
    return (cp_model.OPTIMAL if best.value <= best.bound else cp_model.FEASIBLE), best


class _Incumbent:
    """The best roster so far, shaped like the parts of a CP-SAT response PartSolve reads."""

    def __init__(self, solution, value, bound):
        self.solution, self.value, self.bound = solution, value, bound

    @property
    def objective_value(self):
        return self.value

    @property
    def best_objective_bound(self):
        return self.bound


def moves_random(component: ComponentModel, draw: int = 0) -> random.Random:
    """The random draws of a search's moves: the same for a part in every run, so runs can be
    compared, and others for each search taken up again (`draw` 1, 2, …), which would
    otherwise replay the neighbourhoods of the one before."""
    return random.Random(len(component.x) + 1_000_003 * draw)


def _neighbourhood_search(
    component: ComponentModel, best: _Incumbent, until: float, workers: int, filling: bool = False, model=None
):
    """Improve `best` in place: free a neighbourhood, fix every other pair to the best roster,
    and let CP-SAT re-solve that part; one neighbourhood per worker at a time, in threads
    (CP-SAT releases the interpreter while it solves). `filling`: the level is the places
    filled, searched to the end of its time."""
    rnd = moves_random(component)
    model = model or component.model
    problem = component.problem
    agents = [a.id for a in component.agents]
    dates = problem.dates
    pairs = [(pair, var.Index(), problem.date_of[pair[0]]) for pair, var in component.x.items()]
    size = {"agents": max(2, len(agents) // 8), "days": max(3, len(dates) // 4), "weeks": 1}
    week_of_date = {day: (day - (dates[0] - datetime.timedelta(days=dates[0].weekday()))).days // 7 for day in dates}
    weeks = max(week_of_date.values(), default=0) + 1
    # Whole agents or every agent over a window of days (the fairness levels search on
    # sub-models of their own, fair.py).
    kinds = ("agents", "days")
    if filling:
        # Places left empty move between agents and across the weekly caps: whole agents, a
        # window of days around an empty place, or whole ISO weeks (where the caps bind).
        kinds = ("agents", "days", "weeks")
    # CP-SAT presolves the whole copy each time: bigger models need longer per neighbourhood.
    seconds = NEIGHBOURHOOD_SECONDS * max(1.0, len(component.x) / 5000)

    shift_of = {index: problem.shift_by_id[pair[0]] for (pair, index, _) in pairs}

    def choose(kind, amount, solution) -> set:
        """The proto indices of the pairs to free."""
        if kind == "agents":
            free_agents = set(rnd.sample(agents, min(amount, len(agents))))
            return {index for (pair, index, _) in pairs if pair[1] in free_agents}
        if kind == "weeks":
            first = rnd.randrange(max(1, weeks - amount + 1))
            chosen_weeks = set(range(first, first + amount))
            return {index for (_, index, day) in pairs if week_of_date[day] in chosen_weeks}
        # A window of days, most often around a shift the best roster under- or over-covers:
        # that is where the penalty is.
        count = defaultdict(int)
        for index, shift in shift_of.items():
            count[shift.id] += solution[index]
        wrong = [
            problem.date_of[s.id]
            for s in component.shifts
            if (count[s.id] < s.required and (s.under_weight or filling))
            or (count[s.id] > s.required and s.over_weight)
        ]
        if wrong and rnd.random() < 0.7:
            centre = dates.index(rnd.choice(wrong))
            first = min(max(0, centre - rnd.randrange(amount)), max(0, len(dates) - amount))
        else:
            first = rnd.randrange(max(1, len(dates) - amount + 1))
        window = set(dates[first : first + amount])
        return {index for (_, index, day) in pairs if day in window}

    def attempt(kind, free, solution):
        left = until - time.monotonic()
        limit = seconds if best.value == math.inf else max(0.05, min(seconds, left))
        status, value, solved = _solve_fixed(model, [index for (_, index, _) in pairs], solution, free, limit)
        return kind, status, value, solved

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        late = 0  # rounds past `until` while no move has given the start's value yet
        while (until - time.monotonic() > 0.2 and best.value > best.bound) or (best.value == math.inf and late < 3):
            late += until - time.monotonic() <= 0.2
            chosen_kinds = [rnd.choice(kinds) for _ in range(max(1, workers))]
            futures = [
                pool.submit(attempt, kind, choose(kind, size[kind], best.solution), best.solution)
                for kind in chosen_kinds
            ]
            for future in futures:
                kind, status, value, solution = future.result()
                # An unweighted level takes only strict gains: an equal roster found by a move
                # may undo what the levels below it value (the fairness of the greedy start).
                # Filling comes before those levels, and equal rosters help it move on.
                plateau = problem.weighted or filling
                if value is not None and (value < best.value or (plateau and value == best.value)):
                    best.solution, best.value = solution, value
                # Grow a neighbourhood CP-SAT settles within the time, shrink one it cannot.
                limit = {"days": len(dates), "agents": len(agents), "weeks": weeks}.get(kind, 8)
                if status == cp_model.OPTIMAL:
                    size[kind] = min(limit, size[kind] + 1)
                else:
                    size[kind] = max(1 if kind == "weeks" else 2, size[kind] - 1)
                if DEBUG:
                    print(f"lns {kind} {size} {status} {value} best {best.value}", file=sys.stderr)


def _solve_fixed(model: cp_model.CpModel, indices: list, solution, free: set, seconds: float):
    """(status, objective value or None, solution or None): `model` re-solved by one worker
    from `solution` with every pair variable of `indices` outside `free` fixed to its value."""
    sub = model.Clone()
    sub.ClearHints()
    for index, value in enumerate(solution):
        sub.AddHint(sub.GetIntVarFromProtoIndex(index), value)
    sub.AddBoolAnd(
        [
            sub.GetBoolVarFromProtoIndex(index) if solution[index] else sub.GetBoolVarFromProtoIndex(index).Not()
            for index in indices
            if index not in free
        ]
    )
    sub_solver = cp_solver(1, seconds, {**SOLVER_PARAMETERS, **WEIGHTED_PARAMETERS})
    status = sub_solver.Solve(sub)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        response = sub_solver.ResponseProto()
        return status, response.objective_value, list(response.solution)
    return status, None, None


def roster_without_model(problem: Problem, shifts: list, agents: list, fixed: set, current: set):
    """(status, pairs or None, {level: bound}) of a part whose model could not be built in
    time: the greedy's roster when it keeps every rule (it keeps all but the minimums), so a
    roster still comes back within the limit; none for a weighted problem, whose greedy took
    over a minute on the benchmark's largest instance."""
    ids = {s.id for s in shifts}
    places = sum(s.required for s in shifts)
    if problem.weighted:
        return "UNKNOWN", None, {"penalty": 0}
    own_fixed = {p for p in fixed if p[0] in ids}
    pairs = greedy(problem, fixed=own_fixed, keep={p for p in current if p[0] in ids}, shifts=shifts, agents=agents)
    if not _keeps_every_rule(problem, agents, pairs):
        return "UNKNOWN", None, {"filled": places}
    return "FEASIBLE", pairs, {"filled": places}


def _keeps_every_rule(problem: Problem, agents: list, pairs) -> bool:
    by_agent = rules.shifts_by_agent(problem, pairs)
    return not any(rules.agent_violations(problem, agent, by_agent[agent.id]) for agent in agents)


def complete(model: cp_model.CpModel, values: dict, levels: list, time_limit: float) -> list | None:
    """Values of every variable, given those of the (shift, agent) variables.

    CP-SAT makes little use of a hint that leaves the auxiliary variables out, so the
    greedy start is completed by solving a copy of the model with those values fixed,
    the auxiliary variables as tight as the levels' objectives make them."""
    status, solver = completion(model, values, levels, time_limit)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return list(solver.ResponseProto().solution)
    return None


def completion(model: cp_model.CpModel, values: dict, levels: list, time_limit: float):
    """(status, solver) of a copy of `model` with the variables of `values` (proto index →
    value) fixed and every other one as tight as the levels' objectives make it: when
    OPTIMAL, `solver.Value(expression)` is each level's value on that roster."""
    copy = model.Clone()
    copy.ClearHints()
    copy.Minimize(cp_model.LinearExpr.Sum([-sense * expression for _, expression, sense in levels]))
    for index, value in values.items():
        copy.Add(copy.GetBoolVarFromProtoIndex(index) == int(value))
    solver = cp_solver(1, time_limit)
    return solver.Solve(copy), solver


def cp_solver(workers: int, seconds: float, parameters: dict | None = None) -> cp_model.CpSolver:
    """A CP-SAT solver with `workers`, a time limit of `seconds` and these parameters."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = seconds
    for name, value in (parameters or {}).items():
        setattr(solver.parameters, name, value)
    return solver


def hint_everything(model: cp_model.CpModel, solution) -> None:
    if solution is None:
        return
    model.ClearHints()
    for index, value in enumerate(solution):
        model.AddHint(model.GetIntVarFromProtoIndex(index), value)


def _filled_upper_bound(component: ComponentModel) -> int:
    per_shift = defaultdict(int)
    for shift_id, _ in component.x:
        per_shift[shift_id] += 1
    weighted = component.problem.weighted
    return sum(
        min(s.required, per_shift[s.id]) for s in component.shifts if not (weighted and s.under_weight is not None)
    )
