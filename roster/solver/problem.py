"""The roster problem and its solution as plain data, read from and written to JSON (docs/reference.md §4)."""

import dataclasses
import datetime
import functools
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from roster.solver import clock

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_TIME_LIMIT_S = 10.0


class ProblemError(ValueError):
    """The problem cannot be solved as given; the message says why, on one line."""


class RulesContradict(ProblemError):
    """No roster keeps every rule: minimums (hours, runs of work or rest) nobody can meet."""


@dataclass(frozen=True)
class Overtime:
    """Labour Code Art. 107: hours beyond the normal week are overtime, capped per month and year."""

    normal_hours_per_week: float = 40
    per_month: float | None = 40
    per_year: float | None = None


@dataclass(frozen=True)
class Rules:
    min_rest_hours: float = 12
    max_hours_per_week: float = 48
    weekly_rest_hours: float = 24
    max_consecutive_nights: int = 3
    # Optional rules (None: no limit). Problem-wide in `rules`, or an agent's own in its `rules`.
    max_shifts_per_day: int | None = None
    forbidden_successions: frozenset = frozenset()  # {(from type, to type)} on consecutive local days
    min_consecutive_days: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends: int | None = None
    min_hours: float | None = None  # in the period
    max_hours: float | None = None
    max_shifts_per_type: tuple = ()  # ((type, at most), ...), sorted
    overtime: Overtime | None = None

    def type_limit(self, shift_type) -> int | None:
        return dict(self.max_shifts_per_type).get(shift_type)


@dataclass(frozen=True)
class Shift:
    id: str
    line: str
    start: datetime.datetime
    end: datetime.datetime
    required: int = 1
    type: str | None = None
    max: int | None = None  # ceiling when over-cover is allowed; None: required
    under_weight: int | None = None  # penalty per missing agent (a weighted problem)
    over_weight: int | None = None  # penalty per agent beyond required

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def ceiling(self) -> int:
        return self.required if self.max is None else self.max


@dataclass(frozen=True)
class Interval:
    start: datetime.datetime
    end: datetime.datetime


@dataclass(frozen=True)
class Request:
    """A wish to work (on) or not to work (off) a shift of `type` (any type: None) on a local date."""

    date: datetime.date
    type: str | None
    on: bool
    weight: int


@dataclass(frozen=True)
class Agent:
    id: str
    lines: frozenset
    max_hours_per_week: float | None = None
    unavailable: tuple = ()
    days_off_wished: tuple = ()
    days_off: tuple = ()  # local dates the agent may not work at all (hard)
    requests: tuple = ()  # (Request, ...): soft, weighted
    rules: Rules | None = None  # the problem's rules with the agent's own overrides


@dataclass(frozen=True)
class HistoryShift:
    agent: str
    start: datetime.datetime
    end: datetime.datetime


@dataclass(frozen=True)
class Balance:
    """An agent's totals from earlier periods: fairness is measured on past + this period."""

    agent: str
    hours: float = 0
    available_hours: float = 0  # hours of those periods the agent was not on leave or unavailable
    nights: int = 0
    weekends: int = 0
    holidays: int = 0
    tet: int = 0  # shifts on a date of the problem's `tet` (the lunar new year)


@dataclass
class Problem:
    shifts: list
    agents: list
    rules: Rules = field(default_factory=Rules)
    timezone: datetime.tzinfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    fixed: list = field(default_factory=list)  # [(shift id, agent id)]
    current: list = field(default_factory=list)  # [(shift id, agent id)]
    history: list = field(default_factory=list)  # [HistoryShift]
    holidays: frozenset = frozenset()
    tet: frozenset = frozenset()  # dates of the lunar new year, balanced like holidays
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    balance: list = field(default_factory=list)  # [Balance]

    def __post_init__(self):
        self.balance_by_agent = {b.agent: b for b in self.balance}
        self.shift_by_id = {s.id: s for s in self.shifts}
        self.agent_by_id = {a.id: a for a in self.agents}
        # The local date each shift starts on: the day it belongs to for the day-based rules.
        self.date_of = {s.id: s.start.astimezone(self.timezone).date() for s in self.shifts}
        first, last = min(self.date_of.values(), default=None), max(self.date_of.values(), default=None)
        # The period: every local date from the first shift's to the last shift's.
        self.dates = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)] if first else []
        self._history_by_agent = {}
        for h in self.history:
            self._history_by_agent.setdefault(h.agent, []).append(h)

    def max_hours(self, agent: Agent) -> float:
        if agent.max_hours_per_week is not None:
            return agent.max_hours_per_week
        return self.rules.max_hours_per_week

    def history_of(self, agent_id: str) -> list:
        return self._history_by_agent.get(agent_id, [])

    def rules_for(self, agent: Agent) -> Rules:
        return agent.rules if agent.rules is not None else self.rules

    # A problem is not changed once read, and these are asked for each rule check: the rule
    # checker runs once per agent and empty place (reasons.py), thousands of times on a year.
    @functools.cached_property
    def span(self):
        """Earliest shift start to latest shift end; None without shifts."""
        if not self.shifts:
            return None
        return min(s.start for s in self.shifts), max(s.end for s in self.shifts)

    @functools.cached_property
    def weeks_inside_span(self) -> list:
        """The ISO weeks lying wholly inside the span (rule 5 applies to these)."""
        if self.span is None:
            return []
        first, last = self.span
        return [w for w in clock.weeks_overlapping(first, last, self.timezone) if first <= w[0] and w[1] <= last]

    @functools.cached_property
    def weighted(self) -> bool:
        """Whether the problem carries cover weights: then the weighted penalty (cover and
        requests) is the objective, as in the Curtois & Qu benchmark, and there is no fairness
        level."""
        return any(s.under_weight is not None or s.over_weight is not None for s in self.shifts)

    @functools.cached_property
    def penalised(self) -> bool:
        """Whether the problem has a weighted penalty to minimise: cover weights or requests.
        Requests alone (agents' wishes from the web app) keep fill, minimal change and gaps
        first and fairness after the penalty."""
        return self.weighted or any(agent.requests for agent in self.agents)


@dataclass(frozen=True)
class Unfilled:
    shift: str
    missing: int
    reason: str


@dataclass
class Solution:
    status: str  # OPTIMAL, FEASIBLE or UNKNOWN
    assignments: list  # [(shift id, agent id)]
    unfilled: list  # [Unfilled]
    stats: dict

    def to_dict(self, problem: Problem) -> dict:
        def order(shift_id):
            shift = problem.shift_by_id[shift_id]
            return (shift.start, shift.id)

        assignments = sorted(self.assignments, key=lambda pair: (*order(pair[0]), pair[1]))
        unfilled = sorted(self.unfilled, key=lambda u: order(u.shift))
        return {
            "status": self.status,
            "assignments": [{"shift": s, "agent": a} for s, a in assignments],
            "unfilled": [{"shift": u.shift, "missing": u.missing, "reason": u.reason} for u in unfilled],
            "stats": self.stats,
        }


# Reading ---------------------------------------------------------------------------------------


def load_problem(text: str) -> Problem:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ProblemError(f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
    return parse_problem(data)


def parse_problem(data) -> Problem:
    """Check a decoded JSON problem and turn it into a Problem, or raise ProblemError."""
    if not isinstance(data, dict):
        raise ProblemError("the problem must be a JSON object")
    for key in ("shifts", "agents"):
        if key not in data:
            raise ProblemError(f"'{key}' is required")

    try:
        timezone = ZoneInfo(_string(data.get("timezone", DEFAULT_TIMEZONE), "timezone"))
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ProblemError(f"unknown timezone {data.get('timezone')!r}") from e

    rules = _rules(data.get("rules", {}))
    shifts = [_shift(item, f"shifts[{i}]") for i, item in enumerate(_list(data["shifts"], "shifts"))]
    agents = [_agent(item, f"agents[{i}]", rules) for i, item in enumerate(_list(data["agents"], "agents"))]
    _unique([s.id for s in shifts], "shift")
    _unique([a.id for a in agents], "agent")
    shift_ids = {s.id for s in shifts}
    agent_ids = {a.id for a in agents}

    fixed = _pairs(data.get("fixed", []), "fixed", shift_ids, agent_ids)
    if len(set(fixed)) != len(fixed):
        shift, agent = next(p for p in fixed if fixed.count(p) > 1)
        raise ProblemError(f"fixed assignment of agent {agent} to shift {shift} is given twice (rule 7)")
    current = _pairs(data.get("current", []), "current", shift_ids, agent_ids)

    history = []
    for i, item in enumerate(_list(data.get("history", []), "history")):
        where = f"history[{i}]"
        _object(item, where)
        agent = _id(item.get("agent"), f"{where}.agent")
        if agent not in agent_ids:
            raise ProblemError(f"{where}: unknown agent {agent!r}")
        start, end = _interval(item, where)
        history.append(HistoryShift(agent, start, end))

    balance = _balance(data.get("balance", []), agent_ids)
    holidays = frozenset(_date(d, f"holidays[{i}]") for i, d in enumerate(_list(data.get("holidays", []), "holidays")))
    tet = frozenset(_date(d, f"tet[{i}]") for i, d in enumerate(_list(data.get("tet", []), "tet")))
    time_limit = _number(data.get("time_limit_s", DEFAULT_TIME_LIMIT_S), "time_limit_s")
    if time_limit <= 0:
        raise ProblemError("time_limit_s must be positive")

    return Problem(
        shifts=shifts,
        agents=agents,
        rules=rules,
        timezone=timezone,
        fixed=fixed,
        current=list(dict.fromkeys(current)),
        history=history,
        holidays=holidays,
        tet=tet,
        time_limit_s=time_limit,
        balance=balance,
    )


BALANCE_COUNTS = ("nights", "weekends", "holidays", "tet")


def _balance(items, agent_ids) -> list:
    balance = []
    seen = set()
    for i, item in enumerate(_list(items, "balance")):
        where = f"balance[{i}]"
        _object(item, where)
        agent = _id(item.get("agent"), f"{where}.agent")
        if agent not in agent_ids:
            raise ProblemError(f"{where}: unknown agent {agent!r}")
        if agent in seen:
            raise ProblemError(f"{where}: agent {agent} has two balance entries")
        seen.add(agent)
        values = {}
        for name in ("hours", "available_hours"):
            values[name] = _number(item.get(name, 0), f"{where}.{name}")
            if values[name] < 0:
                raise ProblemError(f"{where}.{name} must not be negative")
        for name in BALANCE_COUNTS:
            values[name] = _whole(item.get(name, 0), f"{where}.{name}")
        if values["hours"] > 0 and values["available_hours"] == 0:
            raise ProblemError(f"{where}: hours worked but no available_hours")
        balance.append(Balance(agent, **values))
    return balance


def _rules(data) -> Rules:
    _object(data, "rules")
    defaults = Rules()
    values = {}
    for name in ("min_rest_hours", "max_hours_per_week", "weekly_rest_hours"):
        value = _number(data.get(name, getattr(defaults, name)), f"rules.{name}")
        if value < 0:
            raise ProblemError(f"rules.{name} must not be negative")
        values[name] = value
    if values["weekly_rest_hours"] > 168:
        raise ProblemError("rules.weekly_rest_hours cannot exceed the 168 hours of a week")
    nights = data.get("max_consecutive_nights", defaults.max_consecutive_nights)
    if not _is_int(nights) or nights < 0:
        raise ProblemError("rules.max_consecutive_nights must be a whole number, 0 or more")
    return Rules(max_consecutive_nights=nights, **values, **_optional_rules(data, "rules"))


def _optional_rules(data, where) -> dict:
    """The optional rules given in `data` (absent ones are left out, so they can be overridden)."""
    values = {}
    for name in ("max_shifts_per_day", "min_consecutive_days", "max_consecutive_days", "min_consecutive_days_off"):
        if name in data:
            values[name] = _whole(data[name], f"{where}.{name}", minimum=1)
    if "max_weekends" in data:
        values["max_weekends"] = _whole(data["max_weekends"], f"{where}.max_weekends")
    for name in ("min_hours", "max_hours"):
        if name in data:
            values[name] = _number(data[name], f"{where}.{name}")
            if values[name] < 0:
                raise ProblemError(f"{where}.{name} must not be negative")
    if "forbidden_successions" in data:
        pairs = set()
        for i, item in enumerate(_list(data["forbidden_successions"], f"{where}.forbidden_successions")):
            here = f"{where}.forbidden_successions[{i}]"
            _object(item, here)
            pairs.add((_id(item.get("from"), f"{here}.from"), _id(item.get("to"), f"{here}.to")))
        values["forbidden_successions"] = frozenset(pairs)
    if "max_shifts_per_type" in data:
        limits = data["max_shifts_per_type"]
        _object(limits, f"{where}.max_shifts_per_type")
        values["max_shifts_per_type"] = tuple(
            sorted((str(t), _whole(n, f"{where}.max_shifts_per_type.{t}")) for t, n in limits.items())
        )
    if "overtime" in data:
        values["overtime"] = _overtime(data["overtime"], f"{where}.overtime")
    return values


def _overtime(data, where) -> Overtime:
    _object(data, where)
    defaults = Overtime()
    values = {}
    for name in ("normal_hours_per_week", "per_month", "per_year"):
        value = data.get(name, getattr(defaults, name))
        if value is not None:
            value = _number(value, f"{where}.{name}")
            if value < 0:
                raise ProblemError(f"{where}.{name} must not be negative")
        values[name] = value
    if values["normal_hours_per_week"] is None:
        raise ProblemError(f"{where}.normal_hours_per_week must be a number")
    return Overtime(**values)


def _whole(value, where, minimum=0) -> int:
    if not _is_int(value) or value < minimum:
        raise ProblemError(f"{where} must be a whole number, {minimum} or more")
    return value


def _weight(value, where) -> int | None:
    if value is None:
        return None
    return _whole(value, where)


def _shift(item, where) -> Shift:
    _object(item, where)
    shift_id = _id(item.get("id"), f"{where}.id")
    line = _id(item.get("line"), f"{where}.line")
    start, end = _interval(item, f"shift {shift_id}")
    required = item.get("required", 1)
    if not _is_int(required) or required < 0:
        raise ProblemError(f"shift {shift_id}: required must be a whole number, 0 or more")
    shift_type = item.get("type")
    if shift_type is not None:
        shift_type = _id(shift_type, f"shift {shift_id}: type")
    ceiling = item.get("max")
    if ceiling is not None:
        ceiling = _whole(ceiling, f"shift {shift_id}: max")
        if ceiling < required:
            raise ProblemError(f"shift {shift_id}: max {ceiling} is below required {required}")
    under = _weight(item.get("under_weight"), f"shift {shift_id}: under_weight")
    over = _weight(item.get("over_weight"), f"shift {shift_id}: over_weight")
    return Shift(shift_id, line, start, end, required, shift_type, ceiling, under, over)


def _agent(item, where, rules: Rules) -> Agent:
    _object(item, where)
    agent_id = _id(item.get("id"), f"{where}.id")
    lines = frozenset(_id(line, f"agent {agent_id}: lines") for line in _list(item.get("lines", []), "lines"))
    max_hours = item.get("max_hours_per_week")
    if max_hours is not None:
        max_hours = _number(max_hours, f"agent {agent_id}: max_hours_per_week")
        if max_hours < 0:
            raise ProblemError(f"agent {agent_id}: max_hours_per_week must not be negative")
    unavailable = tuple(
        Interval(*_interval(u, f"agent {agent_id}: unavailable[{i}]"))
        for i, u in enumerate(_list(item.get("unavailable", []), "unavailable"))
    )
    wished = tuple(
        _date(d, f"agent {agent_id}: days_off_wished[{i}]")
        for i, d in enumerate(_list(item.get("days_off_wished", []), "days_off_wished"))
    )
    days_off = tuple(
        sorted(
            {
                _date(d, f"agent {agent_id}: days_off[{i}]")
                for i, d in enumerate(_list(item.get("days_off", []), "days_off"))
            }
        )
    )
    requests = []
    for i, request in enumerate(_list(item.get("requests", []), "requests")):
        here = f"agent {agent_id}: requests[{i}]"
        _object(request, here)
        on = request.get("on", True)
        if not isinstance(on, bool):
            raise ProblemError(f"{here}.on must be true or false")
        shift_type = request.get("type")
        requests.append(
            Request(
                _date(request.get("date"), f"{here}.date"),
                None if shift_type is None else _id(shift_type, f"{here}.type"),
                on,
                _whole(request.get("weight", 1), f"{here}.weight"),
            )
        )
    own = item.get("rules")
    agent_rules = None
    if own is not None:
        _object(own, f"agent {agent_id}: rules")
        agent_rules = dataclasses.replace(rules, **_optional_rules(own, f"agent {agent_id}: rules"))
    return Agent(agent_id, lines, max_hours, unavailable, wished, days_off, tuple(requests), agent_rules)


def _pairs(items, name, shift_ids, agent_ids) -> list:
    pairs = []
    for i, item in enumerate(_list(items, name)):
        where = f"{name}[{i}]"
        _object(item, where)
        shift = _id(item.get("shift"), f"{where}.shift")
        agent = _id(item.get("agent"), f"{where}.agent")
        if shift not in shift_ids:
            raise ProblemError(f"{where}: unknown shift {shift!r}")
        if agent not in agent_ids:
            raise ProblemError(f"{where}: unknown agent {agent!r}")
        pairs.append((shift, agent))
    return pairs


def _interval(item, where):
    start = _timestamp(item.get("start"), f"{where}: start")
    end = _timestamp(item.get("end"), f"{where}: end")
    if end <= start:
        raise ProblemError(f"{where}: end {item.get('end')} is not after start {item.get('start')}")
    return start, end


def _timestamp(value, where) -> datetime.datetime:
    if not isinstance(value, str):
        raise ProblemError(f"{where} must be an ISO-8601 timestamp with an offset")
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as e:
        raise ProblemError(f"{where}: {value!r} is not an ISO-8601 timestamp") from e
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ProblemError(f"{where}: {value!r} has no UTC offset")
    return moment


def _date(value, where) -> datetime.date:
    if not isinstance(value, str):
        raise ProblemError(f"{where} must be a date YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as e:
        raise ProblemError(f"{where}: {value!r} is not a date YYYY-MM-DD") from e


def _id(value, where) -> str:
    if _is_int(value):
        return str(value)
    if isinstance(value, str) and value != "":
        return value
    raise ProblemError(f"{where} must be a non-empty string")


def _string(value, where) -> str:
    if not isinstance(value, str):
        raise ProblemError(f"{where} must be a string")
    return value


def _number(value, where) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProblemError(f"{where} must be a number")
    return value


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list(value, where) -> list:
    if not isinstance(value, list):
        raise ProblemError(f"'{where}' must be a list")
    return value


def _object(value, where):
    if not isinstance(value, dict):
        raise ProblemError(f"{where} must be an object")


def _unique(ids, kind):
    seen = set()
    for item in ids:
        if item in seen:
            raise ProblemError(f"duplicate {kind} id {item!r}")
        seen.add(item)
