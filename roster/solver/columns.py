"""
Column generation for a weighted problem: each agent's schedule for the period is a column, and
a master linear programme mixes columns, one per agent, to cover the shifts at the least
penalty (docs/solver.md, "Columns"). It gives the weighted search what the whole model's
relaxation does not:

- a lower bound, the master's Lagrangian bound: on Curtois instance 8, 1,297 against the best
  known 1,300, where the whole model's bound is 1,227; on 12, 4,040, the best known, proven;
- the pairs the master is sure of: worked by nearly all of an agent's share, or by nearly
  none. With those fixed, CP-SAT solves the rest of the whole model in seconds into a roster
  near the relaxation's choice (weighted.py), where the local search starts in a better
  valley than any it reached on its own.

Pricing (the best new column for an agent at the master's prices) is the agent's own model with
every rule of theirs: a `ComponentModel` of one agent, solved by CP-SAT. Agents share no rule in
a weighted problem but the cover and the ceiling of each shift, which the master holds.
"""

import concurrent.futures
import math
import time
from typing import NamedTuple

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from roster.solver import rules
from roster.solver.model import SUB_MODEL_PARAMETERS, WEIGHTED_PARAMETERS, ComponentModel, cp_solver

SCALE = 1000  # prices to whole numbers for CP-SAT: a thousandth of a weight
PRICE_SECONDS = 0.5  # one agent's pricing; most settle in 20–40 ms
# Pricing models are tiny and solved thousands of times: as the search's sub-models (measured on
# instances 8 and 12, the full linear relaxation settles them fastest and probing only costs).
PRICE_PARAMETERS = {**WEIGHTED_PARAMETERS, **SUB_MODEL_PARAMETERS}
# Wentges smoothing: the prices tried are this share of those of the best bound so far and the
# rest the master's own; it damps the prices' swings, which otherwise take most of the rounds.
SMOOTHING = 0.5
TOLERANCE = 1e-6


class Master(NamedTuple):
    """The master's linear relaxation, solved."""

    value: float
    shift_prices: dict  # shift id → dual price of its cover
    agent_prices: dict  # agent id → dual price of their one schedule
    shares: dict  # (agent id, column) → share


def pair_shares(master: Master) -> dict:
    """{(shift id, agent id): the share of the agent's columns with that shift} in the master's
    solution (pairs it never uses left out)."""
    shares = {}
    for (agent_id, column), share in master.shares.items():
        if share > TOLERANCE:
            for shift_id in column:
                shares[shift_id, agent_id] = shares.get((shift_id, agent_id), 0) + share
    return shares


class Columns:
    """The columns found so far, the master over them and the agents' pricing models."""

    def __init__(self, component: ComponentModel, deadline: float):
        """Raises model.OutOfTime when the pricing models are not built by `deadline`."""
        self.problem = component.problem
        self.shifts = component.shifts
        self.agents = {a.id: a for a in component.agents}
        self.columns = {agent_id: {} for agent_id in self.agents}  # column (shift ids) → its requests' penalty
        self.bound = -math.inf  # the best Lagrangian bound of the whole problem
        self.converged = False
        self.given_up = False
        self._centre = None  # the prices of that bound
        self._pricing = {}
        for agent in component.agents:
            own = {p for p in component.fixed if p[1] == agent.id}
            sub = ComponentModel(self.problem, self.shifts, [agent], own, deadline=deadline)
            shift_ids = [shift_id for shift_id, _ in sub.x]
            requests = sum((weight * term for weight, term in sub.request_terms), 0)
            self._pricing[agent.id] = (sub, shift_ids, list(sub.x.values()), requests)

        self._build()

    def _build(self) -> None:
        """The master over the columns so far. It is built once and grows a column at a time:
        GLOP starts each solve from the last basis, where building it anew took most of a round
        once the columns ran into thousands."""
        self._lp = pywraplp.Solver.CreateSolver("GLOP")
        objective = self._lp.Objective()
        objective.SetMinimization()
        self._cover = {}
        for shift in self.shifts:
            constraint = self._lp.Constraint(shift.required, shift.required)
            under = self._lp.NumVar(0, shift.required, "")
            over = self._lp.NumVar(0, max(0, shift.ceiling - shift.required), "")
            constraint.SetCoefficient(under, 1)
            constraint.SetCoefficient(over, -1)
            objective.SetCoefficient(under, shift.under_weight or 0)
            objective.SetCoefficient(over, shift.over_weight or 0)
            self._cover[shift.id] = constraint
        self._one = {agent_id: self._lp.Constraint(1, 1) for agent_id in self.agents}
        self._share = {}  # (agent id, column) → its variable in the master
        for agent_id, columns in self.columns.items():
            for column, cost in columns.items():
                self._column(agent_id, column, cost)

    def add_roster(self, pairs) -> None:
        """Each agent's schedule in a roster, as a column."""
        for agent_id in self.agents:
            self._add(agent_id, frozenset(shift_id for shift_id, a in pairs if a == agent_id))

    def _add(self, agent_id, column: frozenset) -> bool:
        if column in self.columns[agent_id]:
            return False
        cost = rules.request_penalty(self.problem, self.agents[agent_id], column)
        self.columns[agent_id][column] = cost
        self._column(agent_id, column, cost)
        return True

    def _column(self, agent_id, column, cost) -> None:
        var = self._lp.NumVar(0, 1, "")
        self._share[agent_id, column] = var
        self._one[agent_id].SetCoefficient(var, 1)
        self._lp.Objective().SetCoefficient(var, cost)
        for shift_id in column:
            self._cover[shift_id].SetCoefficient(var, 1)

    def solve_master(self, until: float | None = None) -> Master | None:
        """The master's linear relaxation over the columns so far, or None when it has no
        solution (fixed assignments beyond a shift's ceiling) or none by `until`."""

        if until is not None and time.monotonic() >= until:
            return None

        def solve():
            if until is not None:
                # GLOP keeps no time of its own: a master of many thousand columns must not
                # take the search's time past its limit.
                self._lp.SetTimeLimit(max(1, round((until - time.monotonic()) * 1000)))
            return self._lp.Solve()

        status = solve()
        if status == pywraplp.Solver.ABNORMAL:
            # GLOP now and then loses its way from the last basis (a fresh copy of the same
            # master solves): build it anew.
            self._build()
            status = solve()
        if status != pywraplp.Solver.OPTIMAL:
            return None
        return Master(
            self._lp.Objective().Value(),
            {shift_id: c.dual_value() for shift_id, c in self._cover.items()},
            {agent_id: c.dual_value() for agent_id, c in self._one.items()},
            {key: var.solution_value() for key, var in self._share.items()},
        )

    def pair_shares(self, until: float | None = None):
        """{(shift id, agent id): the share of the agent's columns with that shift} in the
        master's solution (pairs it never uses left out), or None without one by `until`."""
        master = self.solve_master(until)
        if master is None:
            return None
        return pair_shares(master)

    def _price(self, agent_id, prices: dict, until: float):
        """([columns found, the best last], its value at `prices`, a proven lower bound of the
        best value) for the agent's best schedule at these (scaled) shift prices, or None if
        none was found by `until`."""
        seconds = min(PRICE_SECONDS, until - time.monotonic())
        if seconds <= 0:
            return None
        sub, shift_ids, xs, requests = self._pricing[agent_id]
        sub.model.Minimize(SCALE * requests - cp_model.LinearExpr.WeightedSum(xs, [prices[s] for s in shift_ids]))
        solver = cp_solver(1, seconds, PRICE_PARAMETERS)
        found = _Found(shift_ids, xs)
        status = solver.Solve(sub.model, found)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return found.columns, solver.ObjectiveValue(), solver.BestObjectiveBound()

    def _round(self, pool, until: float, smooth: bool = True):
        """Price every agent once and add the columns that lower the master: how many were
        added, or None without a master."""
        master = self.solve_master(until)
        if master is None:
            return None
        shift_prices, agent_prices = master.shift_prices, master.agent_prices
        prices = shift_prices
        if smooth and self._centre is not None:
            prices = {s: SMOOTHING * self._centre[s] + (1 - SMOOTHING) * p for s, p in shift_prices.items()}
        scaled = {s: round(p * SCALE) for s, p in prices.items()}
        results = list(pool.map(lambda agent_id: self._price(agent_id, scaled, until), self.agents))
        added = 0
        for agent_id, result in zip(self.agents, results, strict=True):
            for column in result[0] if result is not None else ():
                cost = rules.request_penalty(self.problem, self.agents[agent_id], column)
                reduced = cost - sum(shift_prices[s] for s in column) - agent_prices[agent_id]
                if reduced < -TOLERANCE and self._add(agent_id, column):
                    added += 1
        if all(r is not None for r in results):
            bound = self._lagrangian(scaled, [r[2] for r in results])
            if bound > self.bound:
                self.bound, self._centre = bound, prices
        if any(r is None for r in results):
            # An agent found no schedule within PRICE_SECONDS (a year, or minimums that take
            # long to meet): the rounds would take the search's time for nothing. (Past
            # `until`, the agents left were simply not priced.)
            self.given_up = time.monotonic() < until
        elif added == 0 and prices is not shift_prices:
            # The smoothed prices found nothing: the master's own may still (a mis-price).
            return self._round(pool, until, smooth=False)
        elif added == 0:
            # Every agent's best proven and none lowers the master: its value is the bound.
            self.converged = all(r[1] <= r[2] for r in results)
        return added

    def _lagrangian(self, scaled: dict, agent_bounds: list) -> float:
        """The Lagrangian bound at these prices: what every agent's best schedule is worth at
        them, plus each shift's price times its places and the best of its under- or
        over-cover at that price. Valid for any prices, so smoothed ones too."""
        total = sum(agent_bounds) / SCALE
        for shift in self.shifts:
            price = scaled[shift.id] / SCALE
            total += price * shift.required
            total += min(0, ((shift.under_weight or 0) - price) * shift.required)
            total += min(0, ((shift.over_weight or 0) + price) * max(0, shift.ceiling - shift.required))
        return total

    def generate(self, until: float, workers: int) -> None:
        """Rounds of pricing until no column lowers the master, or `until`."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            # The master needs a column of every agent (the search gives it its rosters first;
            # a caller may not): their best own schedule, at no price.
            missing = [agent_id for agent_id in self.agents if not self.columns[agent_id]]
            free = dict.fromkeys((s.id for s in self.shifts), 0)
            for agent_id, result in zip(
                missing, pool.map(lambda agent_id: self._price(agent_id, free, until), missing), strict=True
            ):
                if result is not None and result[0]:
                    self._add(agent_id, result[0][-1])
            halfway = time.monotonic() + (until - time.monotonic()) / 2
            while time.monotonic() < until and not self.converged and not self.given_up:
                if not self._round(pool, until):
                    break
                if time.monotonic() > halfway and self.bound <= 0:
                    # Halfway and the bound not yet above zero: the master will not settle in
                    # time (Curtois 13 and 19), and the search can use the rest better. (A
                    # problem whose optimum is 0 gives up here too, and loses nothing.)
                    self.given_up = True


class _Found(cp_model.CpSolverSolutionCallback):
    """Every schedule a pricing solve passes on its way to the best: those that lower the
    master too save rounds (each round prices every agent again)."""

    def __init__(self, shift_ids, xs):
        super().__init__()
        self.shift_ids, self.xs = shift_ids, xs
        self.columns = []

    def on_solution_callback(self):
        self.columns.append(frozenset(s for s, var in zip(self.shift_ids, self.xs, strict=True) if self.Value(var)))
