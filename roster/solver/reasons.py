"""Why a place stayed empty, in words a director can act on."""

from collections import Counter

from roster.solver import rules
from roster.solver.problem import Problem, Shift

REASON_WORDS = {
    "on_shift": "already on this shift",
    "unavailable": "on leave or unavailable",
    3: "would break the {rest:g}-hour rest",
    4: "at the weekly hours cap",
    5: "would lose the {weekly:g}-hour weekly rest",
    6: "would work more than {nights} nights in a row",
    8: "already working that day",
    9: "would work a forbidden succession of shifts",
    10: "at their limit of shifts of this type",
    11: "at their hours limit for the period",
    12: "would break their limits on consecutive working days",
    13: "would cut a run of days off too short",
    14: "at their limit of working weekends",
    15: "on a day off",
    16: "at the monthly overtime ceiling",
    "free": "free, but not placed before the time limit",
    # In a weighted problem an empty place may simply cost less than the requests it keeps.
    "free_weighted": "free, but placing them would cost more (requests, other shifts)",
}


# When no roster keeping every rule was found in time (a rule with a minimum, such as hours in
# the period, and too little time), every place of that part is empty for that one reason.
NO_ROSTER = "no roster keeping every rule was found before the time limit"
# Each reason checks every agent of the line against the rules: milliseconds on a month, but
# seconds for a year with hundreds of empty places. Past the time limit the rest get this.
NOT_EXAMINED = "not examined: the time limit ran out"


def unfilled_reason(problem: Problem, shift: Shift, worked: dict, on_shift) -> str:
    """Why `shift` has empty places in the roster whose shifts by agent are `worked` (from
    rules.shifts_by_agent), with the agents in `on_shift` on it."""
    qualified = [a for a in problem.agents if shift.line in a.lines]
    if not qualified:
        return f"no agent answers line {shift.line}"

    why = Counter()
    neighbours = {}
    for agent in qualified:
        if agent.id in on_shift:
            why["on_shift"] += 1
            continue
        if rules.unavailable_during(agent, shift.start, shift.end):
            why["unavailable"] += 1
            continue
        broken = rules.agent_violations(problem, agent, [*worked.get(agent.id, []), shift], involving=shift.id)
        if not broken:
            why["free_weighted" if problem.weighted else "free"] += 1
            continue
        rule = min(v.rule for v in broken)
        why[rule] += 1
        if rule == 3:
            others = [i for v in broken if v.rule == 3 for i in v.shifts if i != shift.id]
            if others:
                neighbours.setdefault(3, others[0])

    total = len(qualified)
    noun = "agent" if total == 1 else "agents"
    if why["on_shift"] == total:
        return f"only {total} {noun} answer{'s' if total == 1 else ''} line {shift.line}, already on this shift"
    parts = []
    for key, count in why.most_common():
        words = REASON_WORDS[key].format(
            rest=problem.rules.min_rest_hours,
            weekly=problem.rules.weekly_rest_hours,
            nights=problem.rules.max_consecutive_nights,
        )
        if key == 3 and 3 in neighbours:
            words += f" around shift {neighbours[3]}"
        if count == total and total == 2:
            parts.append(f"both {words}")
        elif count == total and total > 2:
            parts.append(f"all {total} {words}")
        else:
            parts.append(f"{count} {words}")
    return f"{total} {noun} qualified for line {shift.line}: " + ", ".join(parts)
