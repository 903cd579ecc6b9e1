"""
The fairness levels of an unweighted problem, and its requests and wishes, searched on
sub-models (docs/solver.md, "Fairness"). A move frees some agents of one line, or every agent
over a window of days, and re-solves only them: a `ComponentModel` of the freed agents, the
other agents' schedules constants in it (their loads still count in each line's spread), each
shift keeping as many of the freed agents as it had. The levels above the one searched may not
get worse. Where the load excess stalls on a plateau (several agents share a line's top load,
and moving one gains nothing), it turns to the bands of an allocation (bands.py): getting one
agent nearer their band is a gain there. A move on the bench's 20-line month used to clone
and presolve the whole part, 0.5–0.9 s each; a sub-model is a few hundred variables.
"""

import concurrent.futures
import sys
import time
from collections import Counter, defaultdict

from ortools.sat.python import cp_model

from roster.solver import bands, rules
from roster.solver.model import (
    DEBUG,
    ComponentModel,
    _Incumbent,
    completion,
    cp_solver,
    hint_everything,
    moves_random,
)

# Each move's time: a few agents' loads are settled fast, and many small moves do best.
MOVE_SECONDS = 0.25
# A move settled within this share of its time grows by one agent (or day); any other shrinks.
QUICK_SHARE = 0.5
# The search stops after this share of its time without a gain (and at least STALE_SECONDS):
# a director waits for the roster, and the rest of the time passes to the levels below. The
# load above its floor is what people see: on the bench's 20-line month its level still found
# gains after 15 % of its time without one (0.8–1.5 pp over at 60 s with 0.4; 1.5–3.8 with 0.15).
STALE_SHARE = 0.15
STALE_SHARES = {"load_excess": 0.4}
STALE_SECONDS = 0.5
# The share of the moves on a line's most and least loaded agents that also free a few agents
# of those agents' other lines.
CROSS_SHARE = 0.5
# Levels the cover held by each move keeps as they are: they are not re-stated in a sub-model.
HELD_BY_COVER = ("filled", "extra", "gaps")
# The load excess level's moves turn to bands (bands.py) after this share of its time without a
# gain, and a turn ends after TOWARD_PATIENCE_SHARE without its loads getting nearer their bands.
TURN_PATIENCE_SHARE = 0.1
TOWARD_PATIENCE_SHARE = 0.25
BAND_MOVE_SECONDS = 1.0  # a dozen agents over the whole period take longer than a line's few
TOWARD_AGENTS = 12  # the most agents of those the allocation changes that a move frees
TOWARD_EXTRA = (2, 4)  # agents to trade with beside them
ALLOCATION_SECONDS = 2.0  # the allocation's own limit; it settles in 0.1–1 s on the 20-line month


def search(
    component: ComponentModel,
    levels: list,
    index: int,
    current: set,
    best: _Incumbent,
    until: float,
    workers,
    attempt: int = 0,
):
    """Improve `best` (every variable's value in the part's model) in place for levels[index],
    the levels before it kept, until `until` or until the search stalls.

    Moves run side by side, one per worker. A move's gain is measured on the roster it started
    from; it still holds on a roster that other moves changed since when none of them touched
    a line of its agents: every level is a sum over lines (their groups of agents) or over
    agents, and each move keeps the cover of every shift."""
    problem = component.problem
    rnd = moves_random(component, attempt)
    name = levels[index][0]
    above = [level_name for level_name, _, _ in levels[:index] if level_name not in HELD_BY_COVER]
    pairs = {pair for pair, var in component.x.items() if best.solution[var.Index()]}
    agents = {a.id: a for a in component.agents}
    dates = problem.dates
    groups = [
        (line, [a.id for a in members], rules.line_weight_seconds(problem, line))
        for line, members in rules.load_groups(problem, component.agents)
    ]
    members_of = {line: members for line, members, _ in groups}
    capacity = {a.id: max(1, rules.capacity_seconds(problem, a)) for a in component.agents}
    past = {a.id: rules.past_counts(problem, a) for a in component.agents}
    counts = {s.id: rules.counted(s, problem) for s in component.shifts}
    kinds = ("line", "line", "line", "days") if groups else ("agents", "days")
    size = {"line": 4, "agents": min(4, len(agents)), "days": max(3, len(dates) // 4)}
    limits = {"line": max((len(m) for _, m, _ in groups), default=2), "agents": len(agents), "days": len(dates)}

    def lines_of(freed, days):
        """The lines a move may change the loads on; None for every line."""
        return None if days is not None else set().union(*(agents[a].lines for a in freed))

    def choose(kind, roster, busy):
        """(freed agent ids, the window's dates or None for whole schedules), away from the
        `busy` lines of the moves running (None: every line) when it can be."""
        if kind == "days":
            amount = min(size[kind], len(dates))
            first = rnd.randrange(max(1, len(dates) - amount + 1))
            return set(agents), set(dates[first : first + amount])
        idle = {a for a in agents if busy is not None and not (agents[a].lines & busy)}
        if kind == "agents":
            pool = list(idle) if len(idle) >= 2 else list(agents)
            return set(rnd.sample(pool, min(size[kind], len(pool)))), None
        totals = defaultdict(lambda: [0] * len(rules.MEASURES))
        for shift_id, agent_id in roster:
            for i, value in enumerate(counts[shift_id]):
                totals[agent_id][i] += value

        def load(agent, measure, weight):
            return (past[agent][measure] + totals[agent][measure]) * (1 if measure == 0 else weight) / capacity[agent]

        def excess(group, measure):
            _, members, weight = group
            values = [load(a, measure, weight) for a in members]
            return max(values) - min(values) - weight / min(capacity[a] for a in members)

        # Most often the line and measure furthest above the floor, with their most and least
        # loaded agents: that is where the load has to move.
        free_groups = [g for g in groups if sum(a in idle for a in g[1]) >= 2] or groups
        if rnd.random() < 0.5:
            group, measure = max(
                ((g, m) for g in free_groups for m in range(len(rules.MEASURES))),
                key=lambda gm: (excess(*gm), rnd.random()),
            )
        else:
            group, measure = rnd.choice(free_groups), rnd.randrange(len(rules.MEASURES))
        _, members, weight = group
        if sum(a in idle for a in members) >= 2:
            members = [a for a in members if a in idle]
        freed = set(rnd.sample(members, min(size[kind], len(members))))
        if rnd.random() < 0.8:
            ordered = sorted(members, key=lambda a: (load(a, measure, weight), rnd.random()))
            ends = {ordered[0], ordered[-1]}
            freed |= ends
            if rnd.random() < CROSS_SHARE:
                # The load of an agent who answers other lines too may have to move through
                # those lines' agents.
                for line in set().union(*(agents[a].lines for a in ends)) - {group[0]}:
                    others = [a for a in members_of.get(line, ()) if a not in freed]
                    freed |= set(rnd.sample(others, min(2, len(others))))
        return freed, None

    def choose_toward(allocation, roster):
        """Over the whole period, an agent outside their bands, then the agents the allocation
        changes who share a line with those chosen, up to TOWARD_AGENTS, and a few more of their
        lines to trade with."""
        outside = bands.outside_agents(problem, allocation.bands, roster) & movable
        wanted = outside | allocation.changed
        freed = {rnd.choice(sorted(outside or wanted))} if wanted else set()
        lines = set().union(*(agents[a].lines for a in freed)) if freed else set()
        while len(freed) < TOWARD_AGENTS:
            near = sorted(a for a in wanted - freed if agents[a].lines & lines)
            if not near:
                break
            chosen = rnd.choice(near)
            freed.add(chosen)
            lines |= agents[chosen].lines
        others = [a for a in agents if a not in freed and agents[a].lines & lines]
        freed |= set(rnd.sample(others, min(rnd.randint(*TOWARD_EXTRA), len(others))))
        return freed, None

    def attempt(kind, move, roster, allocation):
        """(kind, move, gain, the whole roster after the move or None, settled quickly)."""
        began = time.monotonic()
        limit = max(0.05, min(BAND_MOVE_SECONDS if allocation else MOVE_SECONDS, until - began))
        gain, moved, optimal = _solve_move(
            component, name, above, current, roster, *move, limit, allocation.bands if allocation else None
        )
        quick = optimal and time.monotonic() - began < limit * QUICK_SHARE
        return kind, move, gain, moved, quick

    started = time.monotonic()
    patience = max(STALE_SECONDS, (until - started) * STALE_SHARES.get(name, STALE_SHARE))
    # The load excess turns to bands (bands.py) whenever its moves stall for a while: a turn
    # allocates them from the roster as it is, and its moves free the agents the allocation
    # changes and bring their loads toward the bands, until none is outside or they stall too.
    banded = name == "load_excess"
    turn_patience = max(STALE_SECONDS, (until - started) * TURN_PATIENCE_SHARE)
    toward_patience = max(3 * BAND_MOVE_SECONDS, (until - started) * TOWARD_PATIENCE_SHARE)
    turns = 0
    allocation = None  # the bands of this turn; None between turns
    most_seconds = {}  # each agent's most hours, which the allocations check (bands.allocate)
    movable = {agent_id for _, agent_id in component.x}
    last_gain = started
    gained = 0
    taken = 0
    touched = []  # the lines each move taken changed (None: every line), in order
    running = {}  # future → (how many moves were taken when it started, the lines it may change)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        while True:
            searching = (
                until - time.monotonic() > 0.1
                and time.monotonic() - last_gain
                <= (toward_patience if allocation else turn_patience if banded else patience)
                and best.value - gained > best.bound
            )
            while searching and len(running) < max(1, workers):
                busy = set()
                for _, lines in running.values():
                    busy = None if lines is None or busy is None else busy | lines
                kind = "bands" if allocation else rnd.choice(kinds)
                move = choose_toward(allocation, pairs) if allocation else choose(kind, pairs, busy)
                running[pool.submit(attempt, kind, move, pairs, allocation)] = (len(touched), lines_of(*move))
            if not running:
                if not (banded and best.value - gained > best.bound and until - time.monotonic() > 0.5):
                    break
                # The moves stalled: a turn of new bands (their allocation's moves weighed at
                # random after the first), or the level's own moves again after a turn.
                if allocation:
                    allocation = None
                else:
                    deadline = min(until, time.monotonic() + ALLOCATION_SECONDS)
                    allocation = bands.allocate(component, pairs, deadline, rnd if turns else None, most_seconds)
                    turns += 1
                    if allocation is None or (
                        not allocation.changed and bands.distance(problem, allocation.bands, pairs) == 0
                    ):
                        # No allocation in time, or the roster is in its bands already (the
                        # excess left is more than any allocation avoids): no more turns.
                        allocation, banded = None, False
                last_gain = time.monotonic()
                continue
            done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                taken_before, lines = running.pop(future)
                kind, (freed, _), gain, moved, quick = future.result()
                since = touched[taken_before:]
                if (
                    moved is not None
                    and (gain > 0 or kind == "bands")
                    and (
                        not since
                        or (lines is not None and all(other is not None and not (other & lines) for other in since))
                    )
                ):
                    # The freed agents' new schedules, into the roster as it is now.
                    pairs = {p for p in pairs if p[1] not in freed} | {p for p in moved if p[1] in freed}
                    gained += gain
                    taken += 1
                    touched.append(lines)
                    last_gain = time.monotonic()
                    if allocation and bands.distance(problem, allocation.bands, pairs) == 0:
                        allocation = None  # every load in its band: the level's own moves finish
                if kind != "bands":
                    size[kind] = min(limits[kind], size[kind] + 1) if quick else max(2, size[kind] - 1)
                if DEBUG:
                    print(f"fair {name} {kind} {len(freed)} gain {gain} best {best.value - gained}", file=sys.stderr)
    if DEBUG:
        print(
            f"fair {name}: {taken} moves taken ({turns} turns of bands), {gained} gained in"
            f" {time.monotonic() - started:.1f} s of {until - started:.1f} s",
            file=sys.stderr,
        )
    if taken:
        # Every variable's value for the levels below, and the level's value measured on the
        # whole part's model (the moves' gains are differences of sub-models' values; a move
        # toward the bands may change the roster and gain nothing).
        limit = max(0.2, min(2.0, until - time.monotonic() + 1.0))
        found = _measured(component, pairs, levels[: index + 1], limit)
        if found is not None:
            best.solution, best.value = found


def _solve_move(component, name, above, current, roster, freed, days, seconds, found_bands=None):
    """(gain, roster after the move or None, whether the sub-model was solved to optimality):
    the `freed` agents' pairs on `days` (all of them when None) re-solved for the level `name`,
    the levels `above` no worse, every shift keeping as many of them as it had. With
    `found_bands` the freed agents' loads go toward them instead, the level no worse: the
    roster comes back whenever they get nearer, and the gain is the level's."""
    sub, kept = component.neighbourhood(roster, freed, days, others=True)
    held = Counter(shift_id for shift_id, agent_id in roster if agent_id in freed)
    for shift_id, variables in sub.by_shift.items():
        sub.model.Add(cp_model.LinearExpr.Sum(variables) == held[shift_id])
    by_name = {level[0]: level for level in sub.levels({p for p in current if p[1] in freed}, gaps=False)}
    if name not in by_name:
        return 0, None, True  # nothing of this level among the freed agents
    measured = [by_name[level_name] for level_name in above if level_name in by_name] + [by_name[name]]
    if found_bands is not None:
        distance = bands.outside(sub.model, component.problem, sub.by_agent, found_bands)
        if distance is None:
            return 0, None, True
        measured.append(("bands", distance, -1))

    # The levels' values on the roster as it is.
    values = {var.Index(): pair in roster for pair, var in sub.x.items()}
    status, solver = completion(sub.model, values, measured, seconds)
    if status != cp_model.OPTIMAL:
        return 0, None, False
    kept_levels = [expression for _, expression, _ in measured[:-1]]
    expression = measured[-1][1]
    for above_expression in kept_levels:
        sub.model.Add(above_expression <= solver.Value(above_expression))
    value = solver.Value(expression)
    level, level_value = by_name[name][1], solver.Value(by_name[name][1])
    hint_everything(sub.model, list(solver.ResponseProto().solution))
    sub.model.Add(expression <= value - 1)
    # Toward the bands, the level itself second (it may not get worse, and may gain).
    sub.model.Minimize(expression if found_bands is None else (level_value + 1) * expression + level)
    solver = cp_solver(1, seconds)
    status = solver.Solve(sub.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0, None, status == cp_model.INFEASIBLE
    chosen = {pair for pair, var in sub.x.items() if solver.Value(var)}
    return level_value - solver.Value(level), kept | chosen, status == cp_model.OPTIMAL


def _measured(component, pairs, levels, seconds):
    """(every variable's value, the last level's value) of the roster `pairs` in the part's
    model, or None when that does not settle within `seconds`."""
    values = {var.Index(): pair in pairs for pair, var in component.x.items()}
    status, solver = completion(component.model, values, levels, seconds)
    if status != cp_model.OPTIMAL:
        return None
    return list(solver.ResponseProto().solution), solver.Value(levels[-1][1])
