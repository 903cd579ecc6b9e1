"""
The Curtois & Qu Employee Shift Scheduling Benchmark (schedulingbenchmarks.org, 2014) as a
roster problem, so the engine can be measured against the nurse-rostering literature.

The reader builds the same JSON problem a caller would write (docs/solver.md, "Optional
rules") and hands it to `parse_problem`: the benchmark is solved by the one engine, through
the same model and checked by the same `check`.

    problem = read_curtois(text)   # ProblemError with a one-line reason if malformed
    solution = solve(problem)      # stats["penalty"] is the benchmark's objective

Mapping: day d of the horizon is 1 January 2024 (a Monday) + d; shift type t on day d is
shift `d-t`, starting 06:00 so that no shift is a night shift, with the type's length; the
engine's own labour rules are set so they never bind (no rest between days, no weekly caps);
staff limits become each agent's own `rules`; every (day, type) is a shift whose cover
requirement, under- and over-cover weights come from SECTION_COVER (0 and no weight when
absent), with room for every employee (`max`), as over-cover is allowed at a price.
"""

import datetime

from roster.solver.problem import Problem, ProblemError, parse_problem

FIRST_DAY = datetime.date(2024, 1, 1)  # a Monday: the benchmark's horizons start on one
SHIFT_START = datetime.time(6, 0)
LINE = "ward"
SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


def read_curtois(text: str, time_limit_s: float = 10) -> Problem:
    return parse_problem(curtois_to_json(text, time_limit_s))


def shift_id(day: int, shift_type: str) -> str:
    return f"{day}-{shift_type}"


def curtois_to_json(text: str, time_limit_s: float = 10) -> dict:
    """The benchmark instance as the engine's JSON problem; ProblemError if malformed."""
    sections = _sections(text)

    def required(name):
        if not sections.get(name):
            raise ProblemError(f"{name} is missing or empty")
        return sections[name]

    horizon_lines = required("SECTION_HORIZON")
    days = _int(horizon_lines[0][1][0], horizon_lines[0][0], "horizon")
    if days < 1 or len(horizon_lines) > 1 or len(horizon_lines[0][1]) != 1:
        raise ProblemError(f"line {horizon_lines[0][0]}: the horizon must be one whole number of days, 1 or more")

    lengths, successions = {}, []
    for number, fields in required("SECTION_SHIFTS"):
        _fields(fields, 3, number, "ShiftID, Length in mins, Shifts which cannot follow this shift")
        shift_type = _name(fields[0], number, "shift id")
        if shift_type in lengths:
            raise ProblemError(f"line {number}: shift type {shift_type} is given twice")
        lengths[shift_type] = _int(fields[1], number, "shift length")
        if not 0 < lengths[shift_type] <= 24 * 60:
            raise ProblemError(f"line {number}: shift length must be 1 to 1440 minutes")
        successions += [(shift_type, after, number) for after in fields[2].split("|") if after]
    for _before, after, number in successions:
        if after not in lengths:
            raise ProblemError(f"line {number}: unknown shift type {after!r}")

    agents = {}
    for number, fields in required("SECTION_STAFF"):
        _fields(fields, 8, number, "ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, ...")
        staff = _name(fields[0], number, "staff id")
        if staff in agents:
            raise ProblemError(f"line {number}: staff {staff} is given twice")
        per_type = {}
        for item in fields[1].split("|"):
            shift_type, _, limit = item.partition("=")
            if shift_type not in lengths:
                raise ProblemError(f"line {number}: unknown shift type {shift_type!r} in MaxShifts")
            per_type[shift_type] = _int(limit, number, "MaxShifts")
        max_minutes, min_minutes, max_run, min_run, min_off, max_weekends = (
            _int(value, number, "staff limit") for value in fields[2:]
        )
        agents[staff] = {
            "id": staff,
            "lines": [LINE],
            "rules": {
                "max_shifts_per_type": per_type,
                "max_hours": max_minutes / 60,
                "min_hours": min_minutes / 60,
                "max_consecutive_days": max(max_run, 1),
                "min_consecutive_days": max(min_run, 1),
                "min_consecutive_days_off": max(min_off, 1),
                "max_weekends": max_weekends,
            },
            "days_off": [],
            "requests": [],
        }

    def day_of(value, number):
        day = _int(value, number, "day index")
        if not 0 <= day < days:
            raise ProblemError(f"line {number}: day {day} is outside the horizon of {days} days")
        return day

    def staff_of(value, number):
        if value not in agents:
            raise ProblemError(f"line {number}: unknown staff {value!r}")
        return agents[value]

    def type_of(value, number):
        if value not in lengths:
            raise ProblemError(f"line {number}: unknown shift type {value!r}")
        return value

    for number, fields in sections.get("SECTION_DAYS_OFF", []):
        if len(fields) < 1:
            raise ProblemError(f"line {number}: expected EmployeeID, DayIndexes")
        staff = staff_of(fields[0], number)
        staff["days_off"] += [_date(day_of(value, number)) for value in fields[1:] if value]

    for section, on in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for number, fields in sections.get(section, []):
            _fields(fields, 4, number, "EmployeeID, Day, ShiftID, Weight")
            staff_of(fields[0], number)["requests"].append(
                {
                    "date": _date(day_of(fields[1], number)),
                    "type": type_of(fields[2], number),
                    "on": on,
                    "weight": _int(fields[3], number, "weight"),
                }
            )

    cover = {}
    for number, fields in sections.get("SECTION_COVER", []):
        _fields(fields, 5, number, "Day, ShiftID, Requirement, Weight for under, Weight for over")
        key = (day_of(fields[0], number), type_of(fields[1], number))
        if key in cover:
            raise ProblemError(f"line {number}: cover for day {key[0]} shift {key[1]} is given twice")
        cover[key] = tuple(_int(value, number, "cover") for value in fields[2:])

    shifts = []
    for day in range(days):
        start = datetime.datetime.combine(FIRST_DAY + datetime.timedelta(days=day), SHIFT_START, datetime.UTC)
        for shift_type, minutes in lengths.items():
            required, under, over = cover.get((day, shift_type), (0, 0, 0))
            shifts.append(
                {
                    "id": shift_id(day, shift_type),
                    "line": LINE,
                    "type": shift_type,
                    "start": start.isoformat(),
                    "end": (start + datetime.timedelta(minutes=minutes)).isoformat(),
                    "required": required,
                    "max": max(required, len(agents)),
                    "under_weight": under,
                    "over_weight": over,
                }
            )

    return {
        "timezone": "UTC",
        "rules": {
            # The engine's labour rules, set so they never bind: the benchmark has its own.
            "min_rest_hours": 0,
            "max_hours_per_week": 168,
            "weekly_rest_hours": 0,
            "max_consecutive_nights": days,
            "max_shifts_per_day": 1,
            "forbidden_successions": [{"from": before, "to": after} for before, after, _ in successions],
        },
        "shifts": shifts,
        "agents": list(agents.values()),
        "time_limit_s": time_limit_s,
    }


def _sections(text: str) -> dict:
    """{section name: [(line number, comma-separated fields)]}, comments and blank lines skipped."""
    sections = {}
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise ProblemError(f"line {number}: unknown section {line}")
            if line in sections:
                raise ProblemError(f"line {number}: section {line} is given twice")
            current = sections.setdefault(line, [])
            continue
        if current is None:
            raise ProblemError(f"line {number}: data before the first SECTION_ line")
        current.append((number, [field.strip() for field in line.split(",")]))
    if not sections:
        raise ProblemError("not a Curtois & Qu instance: no SECTION_ lines")
    return sections


def _fields(fields, count, number, expected):
    if len(fields) != count:
        raise ProblemError(f"line {number}: expected {count} fields ({expected}), found {len(fields)}")


def _int(value, number, what) -> int:
    try:
        result = int(value)
    except ValueError:
        raise ProblemError(f"line {number}: {what} {value!r} is not a whole number") from None
    if result < 0:
        raise ProblemError(f"line {number}: {what} must not be negative")
    return result


def _name(value, number, what) -> str:
    if not value:
        raise ProblemError(f"line {number}: empty {what}")
    return value


def _date(day: int) -> str:
    return (FIRST_DAY + datetime.timedelta(days=day)).isoformat()
