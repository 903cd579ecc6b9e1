"""
The CP-SAT model: one Boolean per (shift, agent) that may be paired, the hard rules as
constraints, and the objective solved level by level (see docs/solver.md).
"""

import datetime
import math
import time
from collections import defaultdict

from ortools.sat.python import cp_model

from roster.solver import rules
from roster.solver.greedy import greedy
from roster.solver.problem import Problem

# Each level's share of a component's time; what a level leaves unused passes on.
LEVEL_SHARES = {
    "filled": 0.5,
    "changes": 0.15,
    "fairness_excess": 0.15,
    "fairness_spread": 0.1,
    "wishes": 0.1,
}


class ComponentModel:
    """The model of one independent part of the problem: lines and the agents who answer them."""

    def __init__(self, problem: Problem, shifts: list, agents: list, fixed: set):
        self.problem = problem
        self.shifts = shifts
        self.agents = agents
        self.model = cp_model.CpModel()
        self.x = {}  # (shift id, agent id) → BoolVar
        tz = problem.timezone

        self._pair_variables(fixed)
        by_agent = defaultdict(list)
        by_shift = defaultdict(list)
        for (shift_id, agent_id), var in self.x.items():
            by_agent[agent_id].append((problem.shift_by_id[shift_id], var))
            by_shift[shift_id].append(var)
        self.by_agent = by_agent

        # Rule 7: at most `required` agents a shift (one variable per pair: never twice).
        for shift in shifts:
            if len(by_shift[shift.id]) > shift.required:
                self.model.Add(sum(by_shift[shift.id]) <= shift.required)
        for pair in fixed:
            self.model.Add(self.x[pair] == 1)

        weeks_inside = rules.weeks_inside_span(problem)
        for agent in agents:
            options = sorted(by_agent[agent.id], key=lambda item: item[0].start)
            if options:
                self._rest(options)
                self._weekly_hours(agent, options)
                self._weekly_rest(options, weeks_inside)
                self._nights(agent, options, tz)

        self.filled = cp_model.LinearExpr.Sum(list(self.x.values()))

    def _pair_variables(self, fixed):
        """Rules 1 and 2, and history's rest: pairs that break them get no variable at all."""
        min_rest = rules.rest(self.problem)
        for shift in self.shifts:
            for agent in self.agents:
                pair = (shift.id, agent.id)
                if pair not in fixed:
                    if shift.line not in agent.lines or rules.unavailable_during(agent, shift.start, shift.end):
                        continue
                    history = self.problem.history_of(agent.id)
                    if any(rules.too_close(h.start, h.end, shift.start, shift.end, min_rest) for h in history):
                        continue
                self.x[pair] = self.model.NewBoolVar(f"x_{shift.id}_{agent.id}")

    def _rest(self, options):
        """Rule 3. Shifts too close to each other form an interval graph ([start, end + rest)
        overlapping), so one at-most-one per start point covers every maximal clique."""
        min_rest = rules.rest(self.problem)
        seen = set()
        for shift, _ in options:
            clique = [var for other, var in options if other.start <= shift.start < other.end + min_rest]
            key = tuple(var.Index() for var in clique)
            if len(clique) > 1 and key not in seen:
                seen.add(key)
                self.model.AddAtMostOne(clique)

    def _weekly_hours(self, agent, options):
        """Rule 4: hours inside each ISO week, history included, within the agent's cap."""
        tz = self.problem.timezone
        cap = rules.cap_seconds(self.problem, agent)
        history = self.problem.history_of(agent.id)
        weeks = {w for shift, _ in options for w in rules.weeks_overlapping(shift.start, shift.end, tz)}
        for week in weeks:
            terms = [(rules.overlap_seconds(s.start, s.end, *week), var) for s, var in options]
            terms = [(seconds, var) for seconds, var in terms if seconds]
            already = sum(rules.overlap_seconds(h.start, h.end, *week) for h in history)
            if sum(seconds for seconds, _ in terms) + already > cap:
                worked = cp_model.LinearExpr.WeightedSum([var for _, var in terms], [s for s, _ in terms])
                self.model.Add(worked <= max(0, cap - already))

    def _weekly_rest(self, options, weeks_inside):
        """Rule 5: some window of weekly_rest_hours inside the week is free. A free window can
        always slide back to the week's start or to the end of a shift, so those are the only
        windows to consider."""
        needed = datetime.timedelta(seconds=rules.weekly_rest_seconds(self.problem))
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
            if rules.is_night(shift.start, shift.end, tz):
                by_date[rules.local_date(shift.start, tz)].append(var)
        if not by_date:
            return
        worked = {
            rules.local_date(h.start, tz)
            for h in self.problem.history_of(agent.id)
            if rules.is_night(h.start, h.end, tz)
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

    # Objective levels ---------------------------------------------------------------------------

    def levels(self, current: set) -> list:
        """(name, expression, sense) in the contract's order; sense +1 maximise, -1 minimise."""
        levels = [("filled", self.filled, 1)]
        kept = [self.x[pair] for pair in current if pair in self.x]
        if kept:
            # Current assignments that can no longer be kept are changes whatever we do.
            levels.append(("changes", len(current) - cp_model.LinearExpr.Sum(kept), -1))
        excess, spread = self._fairness()
        if excess is not None:
            levels.append(("fairness_excess", excess, -1))
            levels.append(("fairness_spread", spread, -1))
        wishes = self._wishes()
        if wishes is not None:
            levels.append(("wishes", wishes, -1))
        return levels

    def _fairness(self):
        """Peers (same lines, same cap, never unavailable) share hours, nights and weekends.

        Spreads are max − min within each group of peers. The excess level first brings each
        spread within the contract's bound (the longest shift for hours, 1 for counts); the
        spread level then narrows them further."""
        tz = self.problem.timezone
        groups = defaultdict(list)
        for agent in self.agents:
            if not agent.unavailable:
                groups[(agent.lines, rules.cap_seconds(self.problem, agent))].append(agent)
        # Hours are counted in the largest unit that divides every shift's length (4 h for a
        # mix of 8 h and 12 h shifts): the same order, far smaller numbers for the search.
        unit = math.gcd(*(s.seconds for s in self.shifts)) or 1
        longest = max((s.seconds for s in self.shifts), default=0) // unit
        excess_terms, spread_terms = [], []
        for peers in groups.values():
            if len(peers) < 2:
                continue
            options = [self.by_agent[a.id] for a in peers]
            measures = [
                ([(s.seconds // unit, var) for s, var in opts] for opts in options),
                ([(1, var) for s, var in opts if rules.is_night(s.start, s.end, tz)] for opts in options),
                ([(1, var) for s, var in opts if rules.is_weekend(s, self.problem)] for opts in options),
            ]
            for index, per_agent in enumerate(measures):
                totals = [list(terms) for terms in per_agent]
                upper = max((sum(w for w, _ in terms) for terms in totals), default=0)
                if upper == 0:
                    continue
                high = self.model.NewIntVar(0, upper, "")
                low = self.model.NewIntVar(0, upper, "")
                for terms in totals:
                    total = cp_model.LinearExpr.WeightedSum([var for _, var in terms], [w for w, _ in terms])
                    self.model.Add(high >= total)
                    self.model.Add(low <= total)
                bound = longest if index == 0 else 1
                over = self.model.NewIntVar(0, upper, "")
                self.model.Add(over >= high - low - bound)
                excess_terms.append(over)
                spread_terms.append(high - low)
        if not spread_terms:
            return None, None
        return cp_model.LinearExpr.Sum(excess_terms), cp_model.LinearExpr.Sum(spread_terms)

    def _wishes(self):
        """Days off wished that a shift (any overlap with the local date) takes away."""
        tz = self.problem.timezone
        terms = []
        for agent in self.agents:
            for day in agent.days_off_wished:
                start = rules.local_midnight(day, tz)
                end = rules.local_midnight(day + datetime.timedelta(days=1), tz)
                working = [var for s, var in self.by_agent[agent.id] if s.start < end and start < s.end]
                if working:
                    broken = self.model.NewBoolVar("")
                    for var in working:
                        self.model.AddImplication(var, broken)
                    terms.append(broken)
        return cp_model.LinearExpr.Sum(terms) if terms else None


def solve_component(component: ComponentModel, fixed: set, current: set, deadline: float, workers: int):
    """Solve level by level until the deadline (time.monotonic()).

    Returns (status, chosen pairs, best bound on filled). There is always a roster to
    return: at worst the greedy start, when the time runs out before CP-SAT finds one."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    model = component.model
    # Start from a complete, rule-abiding roster: the current one as far as it still fits,
    # filled up greedily. It is fair-ish already, which the fairness levels build on.
    start = set(greedy(component.problem, fixed=fixed, keep=current, shifts=component.shifts, agents=component.agents))
    levels = component.levels(current)
    start_values = {var.Index(): pair in start for pair, var in component.x.items()}
    completion_limit = min(2.0, max(0.05, (deadline - time.monotonic()) * 0.2))
    hint_everything(model, complete(model, start_values, levels, completion_limit))
    total_share = sum(LEVEL_SHARES[name] for name, _, _ in levels)
    chosen = None
    bound = None
    statuses = []
    share_left = total_share
    for name, expression, sense in levels:
        remaining = deadline - time.monotonic()
        if remaining <= 0.01:
            statuses.append(cp_model.FEASIBLE)
            if chosen is None:
                chosen, bound = sorted(start), _filled_upper_bound(component)
            break
        budget = remaining * LEVEL_SHARES[name] / share_left
        share_left -= LEVEL_SHARES[name]
        solver.parameters.max_time_in_seconds = max(budget, 0.01)
        if sense > 0:
            model.Maximize(expression)
        else:
            model.Minimize(expression)
        status = solver.Solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Out of time before this level found anything: keep what we have, which is at
            # worst the greedy start (complete and within every rule).
            statuses.append(cp_model.FEASIBLE)
            if chosen is None:
                chosen, bound = sorted(start), _filled_upper_bound(component)
            break
        statuses.append(status)
        value = round(solver.ObjectiveValue())
        if name == "filled":
            bound = round(solver.BestObjectiveBound())
        chosen = [pair for pair, var in component.x.items() if solver.Value(var)]
        # Keep this level's result while improving the next ones.
        if sense > 0:
            model.Add(expression >= value)
        else:
            model.Add(expression <= value)
        if (name == "filled" and len(start) == value) or (name == "changes" and len(current - start) == value):
            # The greedy start is as good here and fairer than an arbitrary optimum: go on from it.
            chosen = sorted(start)
        else:
            hint_everything(model, solver.ResponseProto().solution)
    proven = all(s == cp_model.OPTIMAL for s in statuses) and len(statuses) == len(levels)
    return ("OPTIMAL" if proven else "FEASIBLE"), chosen, bound


def complete(model: cp_model.CpModel, values: dict, levels: list, time_limit: float) -> list | None:
    """Values of every variable, given those of the (shift, agent) variables.

    CP-SAT makes little use of a hint that leaves the auxiliary variables out, so the
    greedy start is completed by solving a copy of the model with those values fixed,
    the auxiliary variables as tight as the levels' objectives make them."""
    copy = model.Clone()
    copy.ClearHints()
    copy.Minimize(cp_model.LinearExpr.Sum([-sense * expression for _, expression, sense in levels]))
    for index, value in values.items():
        copy.Add(copy.GetBoolVarFromProtoIndex(index) == int(value))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    if solver.Solve(copy) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return list(solver.ResponseProto().solution)
    return None


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
    return sum(min(s.required, per_shift[s.id]) for s in component.shifts)
