"""
How many agents a line needs: Erlang C, and the requirement per weekday and hour from the
line's own call history. See docs/staffing.md for the model and the worked examples it is
checked against.

Erlang C is computed through the Erlang B recursion
    B(0) = 1,  B(n) = A·B(n−1) / (n + A·B(n−1)),   C(N) = N·B(N) / (N − A·(1 − B(N)))
which never forms A^N or N!, so it stays exact for hundreds of agents.
"""

import datetime
import math
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from hotline.models import MIDNIGHT, CallRecord, Line, StaffingRequirement
from roster.solver import clock

DEFAULT_AHT_SECONDS = 180
DEFAULT_WEEKS = 8
# A line is staffed round the clock even in an hour nobody called last month.
MINIMUM_AGENTS = 1


@dataclass
class Staffing:
    agents: int
    agents_with_shrinkage: int
    service_level: float
    occupancy: float
    asa_seconds: float
    waiting_probability: float
    traffic_erlangs: float


def erlang_c(traffic: float, agents: int) -> float:
    """The probability that a call waits, with `traffic` Erlangs offered to `agents` agents."""
    if agents <= traffic:
        return 1.0
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return agents * b / (agents - traffic * (1 - b))


def measures(traffic: float, agents: int, aht_seconds: float, target_answer_seconds: float, waiting: float):
    """(service level, average speed of answer in seconds, occupancy) for this many agents."""
    if agents <= traffic:
        return 0.0, math.inf, 1.0
    service_level = 1 - waiting * math.exp(-(agents - traffic) * target_answer_seconds / aht_seconds)
    return service_level, waiting * aht_seconds / (agents - traffic), traffic / agents


def agents_needed(
    calls_per_hour: float,
    aht_seconds: float,
    target_answer_seconds: float = 20,
    target_service_level: float = 0.8,
    shrinkage: float = 0.0,
) -> Staffing:
    """The fewest agents who answer target_service_level of the calls within
    target_answer_seconds; agents_with_shrinkage adds the share lost to breaks, training, leave."""
    traffic = calls_per_hour * aht_seconds / 3600
    if traffic <= 0:
        return Staffing(0, 0, 1.0, 0.0, 0.0, 0.0, 0.0)
    # Walk the Erlang B recursion up one agent at a time: linear in the answer.
    b, agents = 1.0, 0
    while True:
        agents += 1
        b = traffic * b / (agents + traffic * b)
        if agents <= traffic:
            continue
        waiting = agents * b / (agents - traffic * (1 - b))
        service_level, asa, occupancy = measures(traffic, agents, aht_seconds, target_answer_seconds, waiting)
        if service_level >= target_service_level:
            break
    return Staffing(
        agents=agents,
        agents_with_shrinkage=math.ceil(agents / (1 - shrinkage) - 1e-9),
        service_level=service_level,
        occupancy=occupancy,
        asa_seconds=asa,
        waiting_probability=waiting,
        traffic_erlangs=traffic,
    )


# From call history ------------------------------------------------------------------------------


@dataclass
class HourNeed:
    weekday: int
    hour: int
    calls_per_hour: float
    agents: int


@dataclass
class LineNeeds:
    line: Line
    first_day: datetime.date
    last_day: datetime.date
    weeks: int
    calls: int
    aht_seconds: float
    hours: list  # [HourNeed], 7 × 24, Monday 00:00 first


def needs_from_history(line: Line, *, weeks: int = DEFAULT_WEEKS, today: datetime.date | None = None) -> LineNeeds:
    """Agents needed each weekday and hour: the mean calls of that hour over the last `weeks`
    whole weeks, the line's mean talk time, and its service-level target."""
    today = today or timezone.localdate()
    last_day = today - datetime.timedelta(days=1)
    first_day = today - datetime.timedelta(weeks=weeks)
    tz = timezone.get_current_timezone()
    start = clock.local_midnight(first_day, tz)
    end = clock.local_midnight(today, tz)
    calls = CallRecord.objects.filter(line=line, started_at__gte=start, started_at__lt=end)

    per_hour = Counter()
    total = 0
    for started_at in calls.values_list("started_at", flat=True).iterator(chunk_size=5000):
        local = started_at.astimezone(tz)
        per_hour[local.weekday(), local.hour] += 1
        total += 1
    aht = calls.filter(answered_at__isnull=False, talk_seconds__gt=0).aggregate(aht=Avg("talk_seconds"))["aht"]
    aht = float(aht or DEFAULT_AHT_SECONDS)
    hours = []
    for weekday in range(7):
        for hour in range(24):
            rate = per_hour[weekday, hour] / weeks
            staffing = agents_needed(rate, aht, line.target_answer_seconds, float(line.target_service_level))
            hours.append(HourNeed(weekday, hour, round(rate, 2), max(MINIMUM_AGENTS, staffing.agents)))
    return LineNeeds(line, first_day, last_day, weeks, total, round(aht, 1), hours)


@transaction.atomic
def apply_needs(needs: LineNeeds) -> list[StaffingRequirement]:
    """Make the needs the line's staffing requirements: one window per run of hours with the
    same headcount, replacing the windows it had."""
    line = needs.line
    line.staffing.all().delete()
    windows = []
    for weekday in range(7):
        day = [h for h in needs.hours if h.weekday == weekday]
        run_start = 0
        for hour in range(1, 25):
            if hour == 24 or day[hour].agents != day[run_start].agents:
                end = MIDNIGHT if hour == 24 else datetime.time(hour)
                windows.append(
                    StaffingRequirement(
                        line=line,
                        weekday=weekday,
                        start=datetime.time(run_start),
                        end=end,
                        required=day[run_start].agents,
                    )
                )
                run_start = hour
    return StaffingRequirement.objects.bulk_create(windows)
