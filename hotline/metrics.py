"""Call metrics per line: by hour, by shift (with who was on duty) and by month.

Offered = every call; answered = answered_at set; missed = the rest; answer rate =
answered / offered; ASA (average speed of answer) = mean wait of answered calls; service
level = calls answered within the line's target (default 20 s) / offered."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from hotline.models import CallRecord
from roster.solver import clock


@dataclass
class Metrics:
    offered: int = 0
    answered: int = 0
    within_target: int = 0
    wait_answered: int = 0

    @property
    def missed(self) -> int:
        return self.offered - self.answered

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def service_level(self) -> float | None:
        return self.within_target / self.offered if self.offered else None

    @property
    def asa_seconds(self) -> float | None:
        return self.wait_answered / self.answered if self.answered else None

    def add(self, answered: bool, wait: int, target: int):
        self.offered += 1
        if answered:
            self.answered += 1
            self.wait_answered += wait
            if wait <= target:
                self.within_target += 1


def calls_between(line, start, end):
    """(started_at, answered, wait) of the line's calls, streamed."""
    return (
        CallRecord.objects.filter(line=line, started_at__gte=start, started_at__lt=end)
        .values_list("started_at", "answered_at", "wait_seconds")
        .order_by("started_at")
        .iterator(chunk_size=5000)
    )


def local_day_start(day: datetime.date) -> datetime.datetime:
    return clock.local_midnight(day, timezone.get_current_timezone())


def by_hour(line, day: datetime.date) -> list[Metrics]:
    """24 Metrics, one per local hour of the day."""
    hours = [Metrics() for _ in range(24)]
    start = local_day_start(day)
    tz = timezone.get_current_timezone()
    for started_at, answered_at, wait in calls_between(line, start, start + datetime.timedelta(days=1)):
        hours[started_at.astimezone(tz).hour].add(answered_at is not None, wait, line.target_answer_seconds)
    return hours


@dataclass
class ShiftMetrics:
    shift: object
    agents: list
    metrics: Metrics = field(default_factory=Metrics)


def by_shift(line, shifts) -> list[ShiftMetrics]:
    """Metrics of each shift (sorted by start; anything with start, end and holding_agents(),
    such as roster's shifts with prefetched assignments) with the agents it counted on."""
    rows = [ShiftMetrics(shift, shift.holding_agents()) for shift in shifts]
    if not rows:
        return rows
    start, end = min(s.start for s in shifts), max(s.end for s in shifts)
    for started_at, answered_at, wait in calls_between(line, start, end):
        for row in rows:
            if row.shift.start <= started_at < row.shift.end:
                row.metrics.add(answered_at is not None, wait, line.target_answer_seconds)
                break
    return rows


def total(metrics_list) -> Metrics:
    result = Metrics()
    for m in metrics_list:
        result.offered += m.offered
        result.answered += m.answered
        result.within_target += m.within_target
        result.wait_answered += m.wait_answered
    return result


# Monthly report -------------------------------------------------------------------------------------


@dataclass
class LineMonth:
    line: object
    metrics: Metrics
    by_slot: list  # [(label "07:00–19:00", Metrics)]
    outside_shifts: Metrics = field(default_factory=Metrics)  # calls when no published shift was on
    required_hours: float = 0.0
    held_hours: float = 0.0
    hours_needing: int = 0
    hours_staffed: int = 0

    @property
    def staffed_share(self) -> float | None:
        return self.hours_staffed / self.hours_needing if self.hours_needing else None


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, month, 1)
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1)


def line_month(line, shifts, first: datetime.date, last: datetime.date, now: datetime.datetime) -> LineMonth:
    """A line's month: calls, missed calls by shift slot (and those outside every shift),
    and staffing against requirement (hour by hour: agents holding a published shift against
    the line's requirement), counting only the hours begun before `now`: an hour still to
    come is neither staffed nor short yet."""
    tz = timezone.get_current_timezone()
    start, end = local_day_start(first), local_day_start(last + datetime.timedelta(days=1))
    slots = {}
    for shift in shifts:
        label = f"{timezone.localtime(shift.start):%H:%M}–{timezone.localtime(shift.end):%H:%M}"
        slots.setdefault(label, Metrics())
    total_metrics, outside = Metrics(), Metrics()
    ordered = sorted(shifts, key=lambda s: s.start)
    for started_at, answered_at, wait in calls_between(line, start, end):
        total_metrics.add(answered_at is not None, wait, line.target_answer_seconds)
        for shift in ordered:
            if shift.start <= started_at < shift.end:
                label = f"{timezone.localtime(shift.start):%H:%M}–{timezone.localtime(shift.end):%H:%M}"
                slots[label].add(answered_at is not None, wait, line.target_answer_seconds)
                break
        else:
            outside.add(answered_at is not None, wait, line.target_answer_seconds)
    result = LineMonth(line, total_metrics, sorted(slots.items()), outside)
    moment = start
    while moment < min(end, now):
        required = line.required_at(moment)
        held = sum(len(shift.holding_agents()) for shift in ordered if shift.start <= moment < shift.end)
        result.required_hours += required
        result.held_hours += min(held, required) if required else 0
        if required:
            result.hours_needing += 1
            result.hours_staffed += held >= required
        moment = (moment.astimezone(tz) + datetime.timedelta(hours=1)).astimezone(tz)
    return result
