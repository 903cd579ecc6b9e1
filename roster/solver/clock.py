"""Local days, ISO weeks and the night window: the one home of these definitions.

Pure Python and Django-free, so the engine, the models, the hours report and the ground floor
(`hotline`'s call metrics and staffing) all count a day, a week and a night the same way.
Every function takes the time zone it works in.
"""

import datetime
import functools

ONE_DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)
# The Labour Code's night work (Art. 106): 22:00 to 06:00 local time.
NIGHT_START = datetime.time(22, 0)
NIGHT_END = datetime.time(6, 0)
# A shift is a night shift when at least this much of it falls in the night windows.
NIGHT_SHIFT_SECONDS = 180 * 60


def overlap_seconds(a_start, a_end, b_start, b_end) -> int:
    return max(0, int((min(a_end, b_end) - max(a_start, b_start)).total_seconds()))


def local_midnight(day: datetime.date, tz) -> datetime.datetime:
    """00:00 local time on that day: where a local day starts."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def local_date(moment: datetime.datetime, tz) -> datetime.date:
    return moment.astimezone(tz).date()


def night_windows(day: datetime.date, tz) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The parts of the night windows lying on that local day: 00:00–06:00 and 22:00–24:00."""
    return [
        (local_midnight(day, tz), datetime.datetime.combine(day, NIGHT_END, tzinfo=tz)),
        (datetime.datetime.combine(day, NIGHT_START, tzinfo=tz), local_midnight(day + ONE_DAY, tz)),
    ]


def night_seconds(start, end, tz) -> int:
    """Seconds of [start, end) inside the local 22:00–06:00 windows."""
    total = 0
    day = local_date(start, tz) - ONE_DAY
    last = local_date(end, tz)
    while day <= last:
        night_start = datetime.datetime.combine(day, NIGHT_START, tzinfo=tz)
        night_end = datetime.datetime.combine(day + ONE_DAY, NIGHT_END, tzinfo=tz)
        total += overlap_seconds(start, end, night_start, night_end)
        day += ONE_DAY
    return total


# The rule checker asks these of every shift of an agent for each place it examines (thousands
# of times on a year's roster); the answers depend on the times alone.
@functools.lru_cache(maxsize=1 << 16)
def is_night(start, end, tz) -> bool:
    return night_seconds(start, end, tz) >= NIGHT_SHIFT_SECONDS


def week_of(moment, tz) -> tuple[datetime.datetime, datetime.datetime]:
    """The ISO week holding moment: Monday 00:00 local to the next Monday 00:00 local."""
    day = local_date(moment, tz)
    monday = day - datetime.timedelta(days=day.weekday())
    return local_midnight(monday, tz), local_midnight(monday + WEEK, tz)


@functools.lru_cache(maxsize=1 << 16)
def weeks_overlapping(start, end, tz) -> tuple:
    weeks = []
    week = week_of(start, tz)
    while week[0] < end:
        weeks.append(week)
        week = week_of(week[1], tz)
    return tuple(weeks)
