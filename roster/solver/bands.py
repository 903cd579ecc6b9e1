"""
Bands of pro-rated load for the load-excess level (docs/solver.md, "Bands").

The load excess is a min–max: where several agents share a line's top (or bottom) load,
moving one of them gains nothing until all of them have moved, and neither CP-SAT nor the
sub-model search (fair.py) crosses such plateaus well: the bench's 20-line month stayed
0.6–1.5 pp above its floor at 60 s. An allocation, how many shifts of each kind (line,
length, night, weekend, holiday, Tết) each agent takes with each line's places as the roster
has them, is a small model that CP-SAT settles in a fraction of a second, and it gives each
agent a band of load per line and measure within which every line is at its floor. How far
the loads lie outside their bands is a sum over agents, in which each agent brought nearer is
a gain: fair.py's moves, freeing the agents the allocation changes over the whole period,
close it where the min–max stalled (the 20-line month at its floor at 60 s).
"""

import math
import random
import time
from collections import Counter, defaultdict
from typing import NamedTuple

from ortools.sat.python import cp_model

from roster.solver import rules
from roster.solver.model import ComponentModel, cp_solver

MOVE_WEIGHT = 3  # with a random generator, each shift moved weighs 1 to this


class Allocation(NamedTuple):
    bands: dict  # (agent id, line, measure index) → (lowest, highest) load in the model's units
    changed: set  # the agents whose shifts the allocation changes


def allocate(component: ComponentModel, pairs, deadline: float, rnd: random.Random | None = None, most=None):
    """The Allocation of the roster `pairs`' places, or None.

    One allocation a measure: it gives each line's shifts that count in the measure (as many
    of each kind, line and count, as `pairs` has) to the agents who may take them (no more of
    a kind than they have shifts of it), for hours each within the most their own rules allow;
    it brings every line's spread to its floor where any allocation does (the same floor and
    rounding as the model's load levels), then moves as little from `pairs` as a short solve
    finds (each move weighed at random by `rnd`, when given: another turn of the search gets
    other bands to try). A band is the line's lowest allocated load, up to that plus the floor
    (and any excess no allocation avoids). The measures are allocated apart: together, the
    kinds multiply and CP-SAT found no allocation near the floor within 30 s on the bench's
    20-line month; apart, each settles in a fraction of a second, and the search meets them
    together. None when an allocation does not settle by `deadline` (time.monotonic()) or no
    line has a group."""
    problem = component.problem
    groups = rules.load_groups(problem, component.agents)
    terms = _Terms(problem)
    bands, changed = {}, set()
    # Agent id → the most seconds their own rules allow, checked where an allocation asks more;
    # `most` carries them from one call to the next (they do not depend on the roster).
    most = {} if most is None else most
    for measure in range(len(rules.MEASURES)):
        if not any(terms.counts(problem.shift_by_id[shift_id])[measure] for shift_id, _ in pairs):
            continue
        found = _allocate_measure(component, groups, pairs, terms, measure, most, deadline, rnd)
        if found is None:
            return None
        bands.update(found[0])
        changed |= found[1]
    return Allocation(bands, changed) if bands else None


def _allocate_measure(component, groups, pairs, terms, measure, most, deadline, rnd):
    """(bands, agents changed) of one measure (allocate), or None when its allocation does not
    settle."""
    problem = component.problem
    shift_by_id = problem.shift_by_id

    def count(shift_id):
        return terms.counts(shift_by_id[shift_id])[measure]

    def kind_of(shift_id):
        return shift_by_id[shift_id].line, count(shift_id)

    possible = Counter()  # (agent id, kind) → how many shifts of that kind they may take
    for shift_id, agent_id in component.x:
        if count(shift_id):
            possible[agent_id, kind_of(shift_id)] += 1
    now, places, fixed = Counter(), Counter(), Counter()
    for shift_id, agent_id in pairs:
        if count(shift_id):
            now[agent_id, kind_of(shift_id)] += 1
            places[kind_of(shift_id)] += 1
    for shift_id, agent_id in component.fixed:
        if count(shift_id):
            fixed[agent_id, kind_of(shift_id)] += 1
    unit = math.gcd(*(count for _, count in places)) or 1

    model = cp_model.CpModel()
    taken = {}  # (agent id, kind) → how many shifts of that kind
    by_kind = defaultdict(list)
    by_agent = defaultdict(list)  # agent id → [(kind, var, its upper bound)]
    for (agent_id, key), count in possible.items():
        if places[key]:
            most_taken = min(count, places[key])
            var = model.NewIntVar(min(fixed[agent_id, key], most_taken), most_taken, "")
            taken[agent_id, key] = var
            by_kind[key].append(var)
            by_agent[agent_id].append((key, var, most_taken))
    for key, count in places.items():
        model.Add(sum(by_kind[key]) == count)

    lines = []  # (line, floor, over, {agent id: their load})
    for line, members in groups:
        floor = rules.load_floor(terms.weight(line), (terms.capacity(a.id) for a in members))
        loads, upper = {}, 0
        for agent in members:
            per, past = terms.per_and_past(agent.id, line, measure)
            coefficients = [(round(key[1] * per), var, ceiling) for key, var, ceiling in by_agent[agent.id]]
            loads[agent.id] = past + sum(c * var for c, var, _ in coefficients)
            upper = max(upper, past + sum(c * ceiling for c, _, ceiling in coefficients))
        high, low, over = (model.NewIntVar(0, upper, "") for _ in range(3))
        for load in loads.values():
            model.Add(high >= load)
            model.Add(low <= load)
        model.Add(over >= high - low - floor)
        lines.append((line, floor, over, loads))
    moved = []
    for (agent_id, key), var in taken.items():
        distance = model.NewIntVar(0, places[key], "")
        model.Add(distance >= var - now[agent_id, key])
        model.Add(distance >= now[agent_id, key] - var)
        moved.append(key[1] // unit * (rnd.randint(1, MOVE_WEIGHT) if rnd else 1) * distance)
    most_moved = 2 * MOVE_WEIGHT * sum(key[1] // unit * count for key, count in places.items())
    model.Minimize((most_moved + 1) * sum(over for _, _, over, _ in lines) + sum(moved))

    def total(agent_id, value=lambda var: var):
        return sum(key[1] * value(var) for key, var, _ in by_agent[agent_id])

    worked = Counter()
    for (agent_id, key), count in now.items():
        worked[agent_id] += key[1] * count
    while True:
        solver = cp_solver(1, max(0.05, deadline - time.monotonic()))
        if solver.Solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        if measure != 0:
            break
        grown = [a for a in by_agent if a not in most and total(a, solver.Value) > worked[a]]
        if not grown:
            break
        for agent_id in grown:
            most[agent_id] = _most_seconds(component, problem.agent_by_id[agent_id], deadline)
            if most[agent_id] is None:
                return None
            model.Add(total(agent_id) <= most[agent_id])

    changed = {a for (a, key), var in taken.items() if solver.Value(var) != now[a, key]}
    bands = {}
    for line, floor, over, loads in lines:
        lowest = min(solver.Value(load) for load in loads.values())
        for agent_id in loads:
            bands[agent_id, line, measure] = (lowest, lowest + floor + solver.Value(over))
    return bands, changed


def outside(model: cp_model.CpModel, problem, by_agent: dict, bands: dict):
    """Σ over the bands of the agents in `by_agent` ({agent id: [(Shift, var)]}) of how far
    their load lies outside the band, in the model's units (variables added to `model`); None
    when there is nothing to measure."""
    distances = []
    terms = _Terms(problem)
    for (agent_id, line, measure), (lowest, highest) in bands.items():
        if agent_id not in by_agent:
            continue
        per, past = terms.per_and_past(agent_id, line, measure)
        terms_of_load = [(terms.coefficient(s, measure, per), var) for s, var in by_agent[agent_id]]
        terms_of_load = [(c, var) for c, var in terms_of_load if c]
        if not terms_of_load and lowest <= past <= highest:
            continue
        coefficients = [c for c, _ in terms_of_load]
        load = past + cp_model.LinearExpr.WeightedSum([var for _, var in terms_of_load], coefficients)
        distance = model.NewIntVar(0, max(lowest, past + sum(coefficients)), "")
        model.Add(distance >= load - highest)
        model.Add(distance >= lowest - load)
        distances.append(distance)
    return cp_model.LinearExpr.Sum(distances) if distances else None


def distance(problem, bands: dict, pairs) -> int:
    """How far the loads of the roster `pairs` lie outside `bands`, summed: `outside`'s value."""
    return sum(_distances(problem, bands, pairs).values())


def outside_agents(problem, bands: dict, pairs) -> set:
    """The agents of the roster `pairs` with a load outside its band."""
    return {agent_id for agent_id, far in _distances(problem, bands, pairs).items() if far}


def _distances(problem, bands: dict, pairs) -> Counter:
    """Per agent, how far their loads lie outside their bands."""
    worked = defaultdict(list)
    for shift_id, agent_id in pairs:
        worked[agent_id].append(problem.shift_by_id[shift_id])
    terms, far = _Terms(problem), Counter()
    for (agent_id, line, measure), (lowest, highest) in bands.items():
        per, past = terms.per_and_past(agent_id, line, measure)
        load = past + sum(terms.coefficient(shift, measure, per) for shift in worked[agent_id])
        far[agent_id] += max(0, load - highest, lowest - load)
    return far


class _Terms:
    """What an agent's load in a line's group is made of, as the model builds it
    (model.ComponentModel._loads): rules.load_per, rounded once for the past and per shift. The
    lines' weights, agents' capacities and shifts' counts are looked up once."""

    def __init__(self, problem):
        self.problem = problem
        self._weights, self._capacities, self._counts = {}, {}, {}

    def weight(self, line) -> int:
        if line not in self._weights:
            self._weights[line] = rules.line_weight_seconds(self.problem, line)
        return self._weights[line]

    def capacity(self, agent_id) -> int:
        if agent_id not in self._capacities:
            self._capacities[agent_id] = rules.capacity_seconds(self.problem, self.problem.agent_by_id[agent_id])
        return self._capacities[agent_id]

    def counts(self, shift) -> tuple:
        if shift.id not in self._counts:
            self._counts[shift.id] = rules.counted(shift, self.problem)
        return self._counts[shift.id]

    def per_and_past(self, agent_id, line, measure) -> tuple:
        """(the load a unit of the measure adds, the past's load) of the agent in the line's group."""
        per = rules.load_per(measure, self.weight(line), self.capacity(agent_id))
        return per, round(rules.past_counts(self.problem, self.problem.agent_by_id[agent_id])[measure] * per)

    def coefficient(self, shift, measure, per) -> int:
        return round(self.counts(shift)[measure] * per)


def _most_seconds(component: ComponentModel, agent, deadline: float):
    """The most seconds the agent's own rules let them work in the part, or None when that is
    not proven by `deadline`."""
    own = {p for p in component.fixed if p[1] == agent.id}
    alone = ComponentModel(component.problem, component.shifts, [agent], own)
    alone.model.Maximize(sum(shift.seconds * var for shift, var in alone.by_agent[agent.id]))
    solver = cp_solver(1, max(0.05, deadline - time.monotonic()))
    if solver.Solve(alone.model) != cp_model.OPTIMAL:
        return None
    return round(solver.ObjectiveValue())
