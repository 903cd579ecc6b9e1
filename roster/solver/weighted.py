"""
The penalty level of a weighted problem whose every place carries a weight (the Curtois & Qu
benchmark): a start built agent by agent, a first CP-SAT solve, column generation (columns.py)
for a bound and a roster near its relaxation, large-neighbourhood search on sub-models, a last
CP-SAT solve (docs/solver.md, "Objective of a weighted problem").

Each neighbourhood is a model of its own (`ComponentModel` with `allowed` / `outside`): the
agents it frees with the cover the others leave, or every agent over a window of days with the
rest of the roster fixed. CP-SAT then presolves a few hundred variables instead of the whole
copy, which on the large instances took seconds a neighbourhood.
"""

import concurrent.futures
import dataclasses
import itertools
import math
import sys
import time
from collections import Counter

from ortools.sat.python import cp_model

from roster.solver import rules
from roster.solver.columns import Columns, pair_shares
from roster.solver.model import (
    DEBUG,
    LAST_SOLVE_SHARE,
    SUB_MODEL_PARAMETERS,
    WEIGHTED_PARAMETERS,
    ComponentModel,
    OutOfTime,
    _Incumbent,
    complete,
    cp_solver,
    hint_everything,
    last_solve,
    moves_random,
)

# Each neighbourhood's time. Sub-models are small: most settle within half a second, and one
# that does not is seldom worth more than a second once the other worker goes on meanwhile
# (2.5 s when moves ran in rounds; docs/solver.md has the runs).
NEIGHBOURHOOD_SECONDS = 1.25
# A neighbourhood settled within this share of its time grows by one; any other shrinks.
QUICK_SHARE = 0.5
# The start's share of the level: one small solve per agent.
START_SHARE = 0.15
# ... which it may overrun up to this share when each agent needs AGENT_SECONDS (instance 13's
# 120 agents of 18 shift types did not fit in 15 %), or longer to meet a minimum at all
# (instance 20's agents take 0.2–0.8 s each: at 40 % the start ran out, and the whole model's
# first solve found nothing in the rest of the minute).
START_LIMIT_SHARE = 0.7
AGENT_SECONDS = 0.2
# The whole model's first solve: it proves the smallest instances at once, and otherwise the
# time is better spent on columns.
FIRST_SOLVE_SECONDS = 2.0
# Column generation runs until this share of the level has passed (docs/solver.md, "Columns"):
# on instance 12 it needs about 27 s of the minute to settle. The whole model with the pairs the
# master is sure of fixed then gets RELAXATION_SHARE; pairs are sure within SURE_SHARE of 0 or 1.
COLUMNS_UNTIL = 0.65
RELAXATION_SHARE = 0.1
SURE_SHARE = 0.01
# The master's bound is a sum of floating-point prices; whole penalties round it up.
BOUND_TOLERANCE = 1e-4
# Guided search (docs/solver.md, "Guided search"): once this many moves in a row have gained
# nothing (about 6 s of Curtois 8 here: counted in moves, a slower machine waits as long in
# work), the shifts the roster leaves short and the relaxation fills weigh more. A
# shift is wrongly short when the master's price of its cover is below GUIDE_BELOW of its under
# weight: the relaxation fills it for less than leaving it short costs. Each guided round
# multiplies their weight by GUIDE_FACTOR (a whole number: CP-SAT's weights are), for at most
# GUIDE_ROUNDS rounds, after which the plain search takes up the best roster again.
STALL_MOVES = 20
GUIDE_BELOW = 0.5
GUIDE_FACTOR = 3
GUIDE_ROUNDS = 4


def solve_penalty(component: ComponentModel, solver: cp_model.CpSolver, budget: float, workers: int, expression):
    """(status, response-like) for the penalty level within `budget` seconds."""
    model = component.model
    deadline = time.monotonic() + budget
    now = time.monotonic()
    start = _agent_by_agent(component, now + budget * START_SHARE, now + budget * START_LIMIT_SHARE)
    if start is not None:
        values = {var.Index(): pair in start for pair, var in component.x.items()}
        hint_everything(model, complete(model, values, [("penalty", expression, -1)], min(2.0, budget * 0.1)))

    solver.parameters.max_time_in_seconds = max(0.05, min(deadline - time.monotonic(), FIRST_SOLVE_SECONDS))
    status = solver.Solve(model)
    if status == cp_model.UNKNOWN and start is None and deadline - time.monotonic() > 0.05:
        # No roster yet: the search has nothing to start from, so go on with the whole level.
        solver.parameters.max_time_in_seconds = deadline - time.monotonic()
        status = solver.Solve(model)
    if status == cp_model.OPTIMAL:
        return status, solver.ResponseProto()
    bound = 0
    best_pairs, best_value = None, math.inf
    if status == cp_model.FEASIBLE:
        response = solver.ResponseProto()
        bound = response.best_objective_bound
        best_pairs = {pair for pair, var in component.x.items() if response.solution[var.Index()]}
        best_value = rules.penalty(component.problem, best_pairs)["total"]
    if start is not None:
        value = rules.penalty(component.problem, start)["total"]
        if value < best_value:
            best_pairs, best_value = start, value
    if best_pairs is None:
        return status, solver.ResponseProto()
    if DEBUG:
        print(f"weighted start {start is not None} first solve {status} best {best_value}", file=sys.stderr)

    best = _Roster(best_pairs, best_value)
    began = deadline - budget
    search_until = deadline - budget * LAST_SOLVE_SHARE
    master_bound, prices = _from_columns(
        component, best, start, began + budget * COLUMNS_UNTIL, search_until, budget, workers
    )
    bound = max(bound, master_bound)
    _guided_search(component, best, bound, prices, search_until, workers, STALL_MOVES)

    values = {var.Index(): pair in best.pairs for pair, var in component.x.items()}
    solution = complete(model, values, [("penalty", expression, -1)], max(0.2, min(2.0, deadline - time.monotonic())))
    completed = solution is not None
    if not completed:
        # Out of time to complete it: the pairs are all the levels below read.
        solution = [0] * len(model.Proto().variables)
        for index, value in values.items():
            solution[index] = int(value)
    incumbent = _Incumbent(solution, best.value, bound)
    if not completed:
        # Without every variable's value the last solve would start blind.
        return (cp_model.OPTIMAL if incumbent.value <= incumbent.bound else cp_model.FEASIBLE), incumbent
    return last_solve(model, solver, expression, incumbent, deadline)


def _from_columns(
    component: ComponentModel, best: "_Roster", start, until: float, search_until: float, budget: float, workers: int
):
    """Column generation until `until`, then the whole model with the pairs the master is sure
    of fixed: a roster near the relaxation's choice, which replaces `best` when better. Returns
    the master's proven bound (0 without one) and, when column generation settled, its shift
    prices (None otherwise)."""
    began = time.monotonic()
    try:
        columns = Columns(component, until)
    except OutOfTime:
        return 0, None
    columns.add_roster(best.pairs)
    if start is not None:
        columns.add_roster(start)
    columns.generate(until, workers)
    if DEBUG:
        print(f"columns {time.monotonic() - began:.1f} s bound {columns.bound} {columns.converged}", file=sys.stderr)
    if columns.bound == -math.inf:
        return 0, None
    bound = math.ceil(columns.bound - BOUND_TOLERANCE)
    if best.value <= bound or columns.given_up:
        return bound, None
    # The prices of a master still short of columns would guide the search by chance.
    converged = columns.converged
    seconds = min(budget * RELAXATION_SHARE, search_until - time.monotonic())
    until = time.monotonic() + seconds
    master = columns.solve_master(until)
    if master is None:
        return bound, None
    prices = master.shift_prices if converged else None
    found = relaxation_fixed(component, pair_shares(master), until, workers)
    if found is None:
        return bound, prices
    value = rules.penalty(component.problem, found)["total"]
    if DEBUG:
        print(f"relaxation fixed {time.monotonic() - began:.1f} s {value} best {best.value}", file=sys.stderr)
    if value < best.value:
        best.pairs, best.value = found, value
        best.version += 1
    return bound, prices


def relaxation_fixed(component: ComponentModel, shares: dict, until: float, workers: int):
    """The best roster CP-SAT finds by `until` with each pair the master is sure of fixed:
    worked where its columns' shares add up to all but SURE_SHARE of 1, not worked where they
    add up to at most SURE_SHARE (relaxation-induced neighbourhood search). None if none."""
    if shares is None:
        return None
    sure = {pair for pair, share in shares.items() if share >= 1 - SURE_SHARE}
    possible = {pair for pair, share in shares.items() if share > SURE_SHARE}
    try:
        sub = ComponentModel(
            component.problem,
            component.shifts,
            component.agents,
            component.fixed | sure,
            allowed=possible,
            deadline=until,
        )
    except OutOfTime:
        return None
    sub.model.Minimize(sub.penalty)
    solver = cp_solver(max(1, workers), max(0.05, until - time.monotonic()), WEIGHTED_PARAMETERS)
    if solver.Solve(sub.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {pair for pair, var in sub.x.items() if solver.Value(var)}


class _Roster:
    """The best roster so far as (shift, agent) pairs, and its penalty."""

    def __init__(self, pairs, value):
        self.pairs, self.value = set(pairs), value
        self.version = 0  # how many times it changed: a move's roster may be stale


def _agent_by_agent(component: ComponentModel, until: float, limit: float):
    """A roster built one agent at a time: each agent's best schedule against the cover the
    agents before it left, every rule of the agent kept. The agents share the time to `until`,
    each at least AGENT_SECONDS; None if an agent finds no schedule or `limit` passes first."""
    problem = component.problem
    pairs = set()
    # Fixed assignments hold their places from the start, whoever comes first.
    on_shift = Counter(shift_id for shift_id, _ in component.fixed)
    agents = sorted(component.agents, key=lambda a: -sum(r.weight for r in a.requests))
    for i, agent in enumerate(agents):
        if time.monotonic() >= limit:
            return None
        own = {p for p in component.fixed if p[1] == agent.id}
        on_shift.subtract(shift_id for shift_id, _ in own)
        sub = ComponentModel(problem, component.shifts, [agent], own, outside=dict(on_shift))
        sub.model.Minimize(sub.penalty)
        seconds = max(AGENT_SECONDS, (until - time.monotonic()) / (len(agents) - i))
        chosen = _solve(sub, None, max(0.01, min(seconds, limit - time.monotonic())))
        while chosen is None and time.monotonic() < limit:
            # A minimum of hours or of a run can take an agent longer than their share to
            # meet at all (instance 20: 0.2–0.8 s); the agents after them get less.
            seconds *= 2
            chosen = _solve(sub, None, max(0.01, min(seconds, limit - time.monotonic())))
        if chosen is None:
            return None
        pairs |= chosen
        on_shift.update(shift_id for shift_id, _ in chosen)  # its own fixed ones among them
    return pairs


def _solve(sub: ComponentModel, hint, seconds):
    """The pairs chosen by a one-worker solve of a sub-model, or None; `hint`: pairs to start from."""
    began = time.monotonic()
    if hint is not None:
        # A hint of the pairs alone is nearly ignored: complete it into every variable's value
        # first, so the solve starts from the roster it is to improve.
        values = {var.Index(): pair in hint for pair, var in sub.x.items()}
        full = complete(sub.model, values, [("penalty", sub.penalty, -1)], seconds / 4)
        if full is not None:
            hint_everything(sub.model, full)
        else:
            for pair, var in sub.x.items():
                sub.model.AddHint(var, pair in hint)
    solver = cp_solver(
        1, max(0.01, seconds - (time.monotonic() - began)), {**WEIGHTED_PARAMETERS, **SUB_MODEL_PARAMETERS}
    )
    status = solver.Solve(sub.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = {pair for pair, var in sub.x.items() if solver.Value(var)}
    sub.optimal = status == cp_model.OPTIMAL
    return chosen


def _guided_search(
    component: ComponentModel, best: _Roster, bound: float, prices, until: float, workers: int, stall: int
) -> int:
    """Improve `best` in place until `until`; how many guided rounds ran. The search runs
    until it stalls with a shift short that the relaxation fills (`_wrongly_short` at the
    master's shift `prices`). A guided search then starts from `best`, those shifts weighing
    GUIDE_FACTOR times more; when it stalls too, the shifts now wrongly short are added and
    those still short raised again, up to GUIDE_ROUNDS rounds, each from where the last
    left (guided local search). The first roster it passes that is better on the true
    penalty becomes the best, and the plain search goes on from there. Without prices, the
    plain search alone."""
    if prices is None:
        _search(component, best, bound, until, workers)
        return 0
    rounds = 0
    draws = itertools.count(1)  # each search draws other moves; the first search the usual
    draw = 0
    while until - time.monotonic() > 0.2 and best.value > bound:
        # It stops early only when stalled with a shift to guide by.
        _search(component, best, bound, until, workers, stall=stall, draw=draw, prices=prices)
        draw = next(draws)
        guided = _Roster(best.pairs, best.value)
        raised = Counter()  # shift id → how many times its weight was raised
        before = best.value
        for _ in range(GUIDE_ROUNDS):
            short = _wrongly_short(component.shifts, guided.pairs, prices)
            if not short or until - time.monotonic() <= 0.2 or best.value < before or best.value <= bound:
                break
            raised.update(short)
            guide = _reweighted(component.problem, raised)
            guided.value = rules.penalty(guide, guided.pairs)["total"]
            if DEBUG:
                print(f"guided {sorted(raised)} from {best.value}", file=sys.stderr)
            _search(component, guided, -math.inf, until, workers, stall=stall, problem=guide, draw=draw, keep=best)
            draw = next(draws)
            rounds += 1
    return rounds


def _wrongly_short(shifts, pairs, prices) -> list:
    """Ids of the shifts `pairs` leaves short where the relaxation does not: the master's price
    of the shift's cover is below GUIDE_BELOW of its under weight."""
    count = Counter(shift_id for shift_id, _ in pairs)
    return [
        shift.id
        for shift in shifts
        if count[shift.id] < shift.required
        and shift.under_weight
        and prices.get(shift.id, 0) < GUIDE_BELOW * shift.under_weight
    ]


def _reweighted(problem, raised: Counter):
    """`problem` with each shift's under weight multiplied by GUIDE_FACTOR as many times as
    `raised` counts it."""
    shifts = [
        dataclasses.replace(shift, under_weight=shift.under_weight * GUIDE_FACTOR ** raised[shift.id])
        if raised[shift.id]
        else shift
        for shift in problem.shifts
    ]
    return dataclasses.replace(problem, shifts=shifts)


def _search(
    component: ComponentModel,
    best: _Roster,
    bound: float,
    until: float,
    workers: int,
    stall=math.inf,
    problem=None,
    draw=0,
    prices=None,
    keep=None,
):
    """Improve `best` in place until `until`, or until `stall` moves in a row have not improved
    it (with `prices`: and it leaves short a shift the relaxation fills): free some agents' whole
    schedules, every agent over a window of days, or some agents over a
    window around a shift the roster under- or over-covers; re-solve that part as a sub-model
    and keep the result when it is no worse. One neighbourhood per worker at a time, in
    threads. `problem`, when given, is the component's with other cover weights: the penalty
    `best` holds and the search lowers (a guided search's); `keep` then takes any roster it
    accepts that is better on the component's own penalty, and it then starts no new move."""
    problem = problem or component.problem
    rnd = moves_random(component, draw)
    agents = [a.id for a in component.agents]
    dates = problem.dates
    size = {"agents": min(3, len(agents)), "days": max(3, len(dates) // 4), "block": max(2, len(agents) // 3)}
    limits = {"agents": len(agents), "days": len(dates), "block": len(agents)}
    queue = []  # agents in a shuffled order, taken a few at a time: every agent gets its turn

    def window_around(amount, roster):
        """`amount` consecutive dates, most often around a shift the roster covers wrongly:
        that is where the penalty is."""
        count = Counter(shift_id for shift_id, _ in roster)
        wrong = [
            problem.date_of[s.id]
            for s in component.shifts
            if (count[s.id] < s.required and s.under_weight) or (count[s.id] > s.required and s.over_weight)
        ]
        amount = min(amount, len(dates))
        if wrong and rnd.random() < 0.7:
            centre = dates.index(rnd.choice(wrong))
            first = min(max(0, centre - rnd.randrange(amount)), max(0, len(dates) - amount))
        else:
            first = rnd.randrange(max(1, len(dates) - amount + 1))
        return set(dates[first : first + amount])

    def choose(kind, roster):
        """(kind, freed agent ids, the window's dates or None for the whole period)."""
        if kind == "agents":
            if len(queue) < size[kind]:
                queue.extend(rnd.sample(agents, len(agents)))
            freed = set()
            while queue and len(freed) < size[kind]:
                freed.add(queue.pop())
            return kind, freed, None
        if kind == "days":
            return kind, set(agents), window_around(size[kind], roster)
        freed = set(rnd.sample(agents, min(size[kind], len(agents))))
        return kind, freed, window_around(rnd.randint(7, 14), roster)

    def attempt(move, roster, version):
        _, freed, days = move
        sub, kept = component.neighbourhood(roster, freed, days, problem=problem)
        sub.model.Minimize(sub.penalty)
        limit = max(0.05, min(NEIGHBOURHOOD_SECONDS, until - time.monotonic()))
        began = time.monotonic()
        chosen = _solve(sub, roster, limit)
        # Settled in well under its time: a bigger one is worth trying.
        quick = chosen is not None and sub.optimal and time.monotonic() - began < limit * QUICK_SHARE
        if chosen is None:
            return move, None, None, quick, version
        pairs = kept | chosen
        return move, pairs, rules.penalty(problem, pairs)["total"], quick, version

    def rebased(move, pairs):
        """A whole-schedule move found on an older roster, put into the best one; None when
        that would crowd a shift beyond its ceiling."""
        freed = move[1]
        pairs = {p for p in best.pairs if p[1] not in freed} | {p for p in pairs if p[1] in freed}
        count = Counter(shift_id for shift_id, _ in pairs)
        if any(count[s.id] > s.ceiling for s in component.shifts):
            return None, None
        return pairs, rules.penalty(problem, pairs)["total"]

    def guidable():
        return prices is None or bool(_wrongly_short(component.shifts, best.pairs, prices))

    idle = 0  # moves in a row that gained nothing
    kept = None if keep is None else keep.version
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        running = set()
        while True:
            # A new move as soon as a worker is free: a move CP-SAT cannot settle runs its whole
            # time, and the other worker's quick ones go on meanwhile.
            while (
                len(running) < max(1, workers)
                and best.value > bound
                and until - time.monotonic() > 0.2
                and not (idle >= stall and guidable())
                and (keep is None or keep.version == kept)
            ):
                kind = rnd.choice(("agents", "days", "block"))
                running.add(pool.submit(attempt, choose(kind, best.pairs), set(best.pairs), best.version))
            if not running:
                break
            done, running = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                move, pairs, value, quick, version = future.result()
                kind = move[0]
                if pairs is not None and version != best.version and move[2] is None:
                    # Another move changed the roster meanwhile: put this move's agents into it.
                    pairs, value = rebased(move, pairs)
                gained = value is not None and value < best.value
                if value is not None and (gained or (value == best.value and version == best.version)):
                    if gained:
                        best.version += 1
                    best.pairs, best.value = pairs, value
                    if keep is not None:
                        true = rules.penalty(component.problem, pairs)["total"]
                        if true < keep.value:
                            keep.pairs, keep.value = pairs, true
                            keep.version += 1
                idle = 0 if gained else idle + 1
                # Grow a neighbourhood CP-SAT settles quickly, shrink one it does not.
                size[kind] = min(limits[kind], size[kind] + 1) if quick else max(2, size[kind] - 1)
                if DEBUG:
                    print(f"wlns {kind} {size} {quick} {value} best {best.value}", file=sys.stderr)
