"""Hours worked per agent over a period: what duty allowances are paid on.

Hours are split at local midnights; each piece counts as a weekend hour on Saturday or
Sunday, a holiday hour on a public holiday, and its part between 22:00 and 06:00 as
night hours (the Labour Code's night work).

Beside them, the running balance the roster engine weighs (roster.planning.worked): night,
weekend and holiday shifts of the period and of the ROSTER_BALANCE_MONTHS before it, and
each one's load — hours against what the agent's weekly cap allows in the time they were
not on leave — so a director sees who carried more."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from hotline.exports import csv_row
from roster.models import Assignment, PublicHoliday, Roster
from roster.names import agent_key
from roster.planning import Worked, local_midnight, worked
from roster.solver import clock


@dataclass
class AgentHours:
    agent: object
    shifts: int = 0
    hours: float = 0.0
    night_hours: float = 0.0
    weekend_hours: float = 0.0
    holiday_hours: float = 0.0
    period: Worked = field(default_factory=Worked)  # the period's shifts as the engine counts them
    past: Worked | None = None  # the months before the period; None when there is no record

    @property
    def load(self) -> float | None:
        """The period's load in % (hours / capacity); None without capacity."""
        return percent(Worked(hours=self.hours, available_hours=self.period.available_hours), self.agent)

    @property
    def past_load(self) -> float | None:
        return percent(self.past, self.agent) if self.past else None

    @property
    def total_load(self) -> float | None:
        """The months before and the period together, as the engine balances them."""
        period = Worked(hours=self.hours, available_hours=self.period.available_hours)
        return percent(period + (self.past or Worked()), self.agent)


def percent(work: Worked, agent) -> float | None:
    load = work.load(agent.max_hours_per_week)
    return None if load is None else load * 100


def overlap_hours(start, end, window_start, window_end) -> float:
    seconds = (min(end, window_end) - max(start, window_start)).total_seconds()
    return max(0.0, seconds / 3600)


def split(start, end, first: datetime.date, last: datetime.date, holidays: set, row: AgentHours):
    """Add the part of [start, end) within the days first..last to the row."""
    tz = timezone.get_current_timezone()
    day = max(timezone.localtime(start).date(), first)
    while day <= last:
        midnight = local_midnight(day)
        next_midnight = local_midnight(day + datetime.timedelta(days=1))
        if midnight >= end:
            break
        hours = overlap_hours(start, end, midnight, next_midnight)
        if hours:
            row.hours += hours
            if day.weekday() >= 5:
                row.weekend_hours += hours
            if day in holidays:
                row.holiday_hours += hours
            row.night_hours += sum(overlap_hours(start, end, *window) for window in clock.night_windows(day, tz))
        day += datetime.timedelta(days=1)


def hours_report(agents, first: datetime.date, last: datetime.date, *, since=None) -> list[AgentHours]:
    """One row per agent (Vietnamese name order), from their published, held assignments;
    with `since` (planning.balance_since), each row's balance of the days since..first."""
    rows = {agent.pk: AgentHours(agent) for agent in agents}
    holidays = set(PublicHoliday.objects.filter(date__range=(first, last)).values_list("date", flat=True))
    period_start, period_end = local_midnight(first), local_midnight(last + datetime.timedelta(days=1))
    assignments = (
        Assignment.objects.filter(
            agent_id__in=rows,
            shift__roster__status=Roster.Status.PUBLISHED,
            start__lt=period_end,
            end__gt=period_start,
        )
        .exclude(status__in=Assignment.NOT_HOLDING)
        .only("agent_id", "start", "end")
    )
    for assignment in assignments:
        row = rows[assignment.agent_id]
        row.shifts += 1
        split(assignment.start, assignment.end, first, last, holidays, row)
    next_day = last + datetime.timedelta(days=1)
    for pk, period in worked(rows, first, next_day).items():
        rows[pk].period = period
    if since is not None:
        for pk, past in worked(rows, since, first).items():
            rows[pk].past = past
    return sorted(rows.values(), key=lambda row: agent_key(row.agent))


# The CSV's columns in the reader's language (the page's column names where the page has them);
# their Vietnamese is how the columns have always read.
CSV_HEADER = [
    _("Full name"),
    _("Phone"),
    _("Unit"),
    _("Shifts"),
    _("Hours"),
    _("Night hours"),
    _("Weekend hours"),
    _("Holiday hours"),
    _("Night shifts"),
    _("Weekend shifts"),
    _("Holiday shifts"),
    _("Load (%)"),
    _("Hours in the months before"),
    _("Night shifts in the months before"),
    _("Weekend shifts in the months before"),
    _("Holiday shifts in the months before"),
    _("Load in the months before (%)"),
    _("Cumulative load (%)"),
]


def whole(number: float | None) -> str:
    return "" if number is None else f"{number:.0f}"


def hours_csv(rows) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Vietnamese names correctly.

    Numbers are written as the page's language writes them. Excel reads a CSV with the
    computer's regional settings: set to Vietnamese, its decimal mark is the comma and its
    list separator ';', so "60.00" would not be a number and commas would not split cells."""
    decimal_mark = formats.get_format("DECIMAL_SEPARATOR")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if decimal_mark == "," else ",")

    def hours(number: float) -> str:
        return formats.number_format(number, decimal_pos=2, use_l10n=True)

    writer.writerow([str(title) for title in CSV_HEADER])
    for row in rows:
        writer.writerow(
            csv_row(
                [
                    row.agent.full_name,
                    row.agent.phone_display,
                    row.agent.unit.name,
                    row.shifts,
                    hours(row.hours),
                    hours(row.night_hours),
                    hours(row.weekend_hours),
                    hours(row.holiday_hours),
                    row.period.nights,
                    row.period.weekends,
                    row.period.holidays,
                    whole(row.load),
                    *(
                        [hours(row.past.hours), row.past.nights, row.past.weekends, row.past.holidays]
                        if row.past
                        else ["", "", "", ""]
                    ),
                    whole(row.past_load),
                    whole(row.total_load),
                ]
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
