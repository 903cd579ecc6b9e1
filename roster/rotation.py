"""
A simple rotation: fills shifts in time order with the least-loaded agent who may take them.

It keeps to the qualifications, leave, the 12-hour rest between shifts and the weekly
hours cap, but it does not optimise; the CP-SAT solver replaces it for real rosters.
Plain data in, plain data out, so it runs without a database.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

REST = datetime.timedelta(hours=12)


@dataclass
class Slot:
    key: object
    line: object
    start: datetime.datetime
    end: datetime.datetime
    required: int


@dataclass
class Candidate:
    key: object
    lines: set
    max_hours_per_week: int
    unavailable: list = field(default_factory=list)  # [(start, end)]
    worked: list = field(default_factory=list)  # [(start, end)] before the slots


def _iso_week(moment: datetime.datetime):
    return moment.isocalendar()[:2]


def rotate(slots: list[Slot], candidates: list[Candidate]) -> dict[object, list[object]]:
    """Map each slot's key to the keys of the candidates put on it."""
    worked = {c.key: sorted(c.worked) for c in candidates}
    hours_total = defaultdict(float)
    hours_by_week = defaultdict(float)
    for c in candidates:
        for start, end in c.worked:
            hours_by_week[c.key, _iso_week(start)] += (end - start).total_seconds() / 3600

    def can_take(c: Candidate, slot: Slot) -> bool:
        if slot.line not in c.lines:
            return False
        if any(s < slot.end and slot.start < e for s, e in c.unavailable):
            return False
        if any(s < slot.end + REST and slot.start < e + REST for s, e in worked[c.key]):
            return False
        hours = (slot.end - slot.start).total_seconds() / 3600
        return hours_by_week[c.key, _iso_week(slot.start)] + hours <= c.max_hours_per_week

    result = {}
    for slot in sorted(slots, key=lambda s: (s.start, str(s.key))):
        chosen = []
        for _place in range(slot.required):
            free = [c for c in candidates if c.key not in chosen and can_take(c, slot)]
            if not free:
                break
            best = min(free, key=lambda c: (hours_total[c.key], str(c.key)))
            chosen.append(best.key)
            hours = (slot.end - slot.start).total_seconds() / 3600
            hours_total[best.key] += hours
            hours_by_week[best.key, _iso_week(slot.start)] += hours
            worked[best.key].append((slot.start, slot.end))
        result[slot.key] = chosen
    return result
