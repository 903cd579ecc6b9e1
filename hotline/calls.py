"""
Call records from the switchboard: reading the three formats of docs/reference.md §6 and storing them.

Every reader takes an iterable of text lines and yields, one at a time, a Call, a Rejected
row (with its line number) or an AgentEvent (queue_log's logins and pauses), so a year of
records goes through in bounded memory. `import_calls` stores the calls in batches, each
batch in its own transaction: a bad row never stops the good ones, and a re-import counts
every known id as a duplicate.
"""

import csv
import datetime
import functools
import hashlib
import hmac
import itertools
import json
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.fields import datetime_problem
from hotline import signals
from hotline.models import CallRecord, Hotline, Line

FORMATS = ["asterisk-queue-log", "asterisk-csv", "json"]
BATCH = 1000
# The largest number a PositiveIntegerField (seconds) takes.
MAX_SECONDS = 2**31 - 1

logger = logging.getLogger(__name__)

# queue_log events that belong to a call in a queue (docs/reference.md §6).
CALL_START = {"ENTERQUEUE"}
CALL_ANSWER = {"CONNECT"}
CALL_END_ANSWERED = {"COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
CALL_END_UNANSWERED = {
    "ABANDON": CallRecord.Outcome.ABANDONED,
    "EXITWITHKEY": CallRecord.Outcome.ABANDONED,
    "EXITWITHTIMEOUT": CallRecord.Outcome.TIMED_OUT,
    "EXITEMPTY": CallRecord.Outcome.FAILED,
}
CALL_OTHER = {"RINGNOANSWER", "RINGCANCELED", "SYSCOMPAT"}
CALL_EVENTS = CALL_START | CALL_ANSWER | CALL_END_ANSWERED | set(CALL_END_UNANSWERED) | CALL_OTHER
AGENT_EVENTS = {"AGENTLOGIN", "AGENTLOGOFF", "ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL"}

CDR_COLUMNS = 16
CDR_DISPOSITIONS = {
    "ANSWERED": CallRecord.Outcome.ANSWERED,
    "NO ANSWER": CallRecord.Outcome.ABANDONED,
    "BUSY": CallRecord.Outcome.BUSY,
    "FAILED": CallRecord.Outcome.FAILED,
    "CONGESTION": CallRecord.Outcome.FAILED,
}


class UnreadableFormat(Exception):
    """The input cannot be read as the format at all."""


@dataclass
class Call:
    row: int
    source_id: str
    line: Line
    started_at: datetime.datetime
    answered_at: datetime.datetime | None
    ended_at: datetime.datetime
    outcome: str
    caller: str = ""
    agent_extension: str = ""
    wait_seconds: int | None = None
    talk_seconds: int | None = None

    def record(self) -> CallRecord:
        waited_until = self.answered_at or self.ended_at
        wait = self.wait_seconds if self.wait_seconds is not None else (waited_until - self.started_at).total_seconds()
        if self.talk_seconds is not None:
            talk = self.talk_seconds
        else:
            talk = (self.ended_at - self.answered_at).total_seconds() if self.answered_at else 0
        caller, caller_hash = protect_caller(self.caller)
        return CallRecord(
            hotline_id=self.line.hotline_id,
            line=self.line,
            source_id=self.source_id,
            started_at=self.started_at,
            answered_at=self.answered_at,
            ended_at=self.ended_at,
            wait_seconds=max(0, round(wait)),
            talk_seconds=max(0, round(talk)),
            outcome=self.outcome,
            agent_extension=self.agent_extension,
            caller=caller,
            caller_hash=caller_hash,
        )

    def problems(self) -> dict:
        """{field: [messages]} of what the model refuses in this call (lengths, control
        characters, ranges), so that a bad value is a rejected row, not a database error.
        Cutting an over-long id or extension to fit would make it another one."""
        errors = {}
        try:
            # The lines are the readers' own; uniqueness and constraints would cost a query a call.
            self.record().full_clean(exclude=["hotline", "line"], validate_unique=False, validate_constraints=False)
        except ValidationError as e:
            errors = {INPUT_NAMES.get(name, name): messages for name, messages in e.message_dict.items()}
        if self.ended_at < self.started_at:
            errors["ended_at"] = [_("The call ends before it starts.")]
        return errors


# The names of the input (docs/reference.md §6) where the model's differ.
INPUT_NAMES = {"source_id": "id"}


# The record's fields a rejected row may name.
NAMED_FIELDS = [
    "source_id",
    "started_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "talk_seconds",
    "outcome",
    "agent_extension",
    "caller",
]


def field_names() -> dict:
    """The input's fields named in words, in the active language (the pages)."""
    names = {INPUT_NAMES.get(name, name): CallRecord._meta.get_field(name).verbose_name for name in NAMED_FIELDS}
    return {**names, "hotline": _("hotline"), "line": _("line"), "non_field_errors": ""}


@dataclass
class Rejected:
    row: int
    why: str
    malformed: bool = False  # not of the format at all, rather than a bad record in it
    errors: dict | None = None  # {field: [messages]} when `why` names fields

    @property
    def why_in_words(self) -> str:
        """`why` for the pages, its fields named in words; `why` names them as the input
        does (`ended_at`), as the command line prints them."""
        return error_text(self.errors, field_names()) if self.errors else self.why


@dataclass
class AgentEvent:
    """An agent logging in or out, or pausing, on the switchboard (queue_log)."""

    row: int
    at: datetime.datetime
    extension: str
    event: str
    line: Line | None


@dataclass
class ImportResult:
    imported: int = 0
    duplicate: int = 0
    rejected: list = field(default_factory=list)  # [Rejected]
    agent_events: int = 0


# Personal data --------------------------------------------------------------------------------


def protect_caller(number: str) -> tuple[str, str]:
    """The caller's number as stored: (shown, hash) by the CALLER_NUMBERS setting."""
    number = (number or "").strip()
    digits = re.sub(r"[^0-9]", "", number)
    if not digits:
        return "", ""
    if digits.startswith("84") and len(digits) >= 11:
        # +84 912 345 678 and 0912 345 678 are one caller: count them as one repeat caller.
        digits = "0" + digits[2:]
    mode = settings.CALLER_NUMBERS
    if mode == "keep":
        return number, caller_hash(digits)
    if mode == "hash":
        return "", caller_hash(digits)
    return mask(digits), caller_hash(digits)


def mask(digits: str) -> str:
    """At most half the digits shown, and at most five: 0912345678 → 091*****78. The mask
    and the hash together narrow a number down to the hidden digits' possibilities, so
    those must stay many."""
    shown = min(len(digits) // 2, 5)
    tail = shown // 2
    head = shown - tail
    return digits[:head] + "*" * (len(digits) - shown) + digits[len(digits) - tail :]


def caller_hash(digits: str) -> str:
    """An HMAC keyed by CALLER_HASH_KEY, or "" without that key. Never SECRET_KEY: there are
    so few phone numbers that anyone with the key finds the number of a hash by trying
    them all, and SECRET_KEY is in every process, backup and debugging session."""
    key = settings.CALLER_HASH_KEY
    if not key:
        warn_no_hash_key()
        return ""
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()


@functools.cache
def warn_no_hash_key():
    """Once a process: a site without the key still works, but cannot count repeat callers."""
    logger.warning(
        "CALLER_HASH_KEY is not set: callers' numbers are stored without the hash that counts repeat callers. "
        "Set it to a long random value of its own (not SECRET_KEY) and keep it secret."
    )


def erase_old_callers(now: datetime.datetime) -> int:
    """Erase callers' numbers older than CALLER_RETENTION_DAYS; return how many calls."""
    cutoff = now - datetime.timedelta(days=settings.CALLER_RETENTION_DAYS)
    return (
        CallRecord.objects.filter(started_at__lt=cutoff)
        .exclude(caller="", caller_hash="")
        .update(caller="", caller_hash="")
    )


# Queues and lines ------------------------------------------------------------------------------


class Queues:
    """Switchboard queue names → lines, within one hotline or across all of them."""

    def __init__(self, hotline: Hotline | None = None, lines=None):
        """`lines` limits the lines records may go to (a director's); None allows all."""
        lines = (lines if lines is not None else Line.objects.all()).select_related("hotline")
        if hotline is not None:
            lines = lines.filter(hotline=hotline)
        self.by_queue = {}
        for line in lines.exclude(queue=""):
            self.by_queue.setdefault(line.queue, []).append(line)
        digits = lines
        self.by_digit = {(line.hotline.number, line.digit): line for line in digits}

    def line(self, queue: str) -> Line | str:
        """The line of this queue, or why there is none."""
        lines = self.by_queue.get(queue, [])
        if len(lines) == 1:
            return lines[0]
        if not lines:
            return _("unknown queue %(queue)r") % {"queue": queue}
        return _("queue %(queue)r is on several hotlines (%(hotlines)s): give --hotline") % {
            "queue": queue,
            "hotlines": ", ".join(line.hotline.number for line in lines),
        }


def extension_of(channel: str) -> str:
    """201 from SIP/201, PJSIP/201-00000a1b, Local/201@from-queue/n, Agent/201 or 201."""
    match = re.match(r"^(?:[A-Za-z0-9_]+/)?([^@/\-]+)", (channel or "").strip())
    return match.group(1) if match else ""


# Asterisk queue_log ----------------------------------------------------------------------------


@dataclass
class OpenCall:
    row: int
    line: Line
    started_at: datetime.datetime
    caller: str = ""
    answered_at: datetime.datetime | None = None
    wait_seconds: int | None = None
    agent_extension: str = ""


def queue_log_time(value: str) -> datetime.datetime:
    """Epoch seconds (files), or a date and time (the realtime/ODBC layout), in UTC."""
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return datetime.datetime.fromtimestamp(float(value), tz=datetime.UTC)
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment


def number(value: str) -> int | None:
    """Seconds, or None when the field holds none that a call could last (also "inf")."""
    try:
        seconds = max(0, int(float(value)))
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if seconds <= MAX_SECONDS else None


def transfer_times(event: str, data: list[str]) -> tuple[int | None, int | None]:
    """The hold and talk seconds of a transferred call: TRANSFER and BLINDTRANSFER give
    `extension|context|hold|talk|position`; ATTENDEDTRANSFER `BRIDGE|bridge|hold|talk|position`,
    `APP|application|…` or `LINK|channel|channel|hold|talk|position` (Asterisk's app_queue)."""
    first = 3 if event == "ATTENDEDTRANSFER" and data[:1] == ["LINK"] else 2
    if len(data) < first + 2:
        return None, None
    return number(data[first]), number(data[first + 1])


def read_queue_log(lines, queues: Queues):
    """queue_log: `epoch|callid|queue|agent|event|data1|data2|…` (old and newer layouts: the
    data fields vary in number; only the leading ones are read)."""
    open_calls: dict[tuple[str, str], OpenCall] = {}
    for row, text in enumerate(lines, start=1):
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        fields = text.split("|")
        if len(fields) < 5:
            yield Rejected(row, _("not a queue_log line (epoch|callid|queue|agent|event|data)"), malformed=True)
            continue
        try:
            at = queue_log_time(fields[0])
        except (ValueError, OverflowError, OSError):
            yield Rejected(row, _("%(value)r is not a time") % {"value": fields[0][:40]}, malformed=True)
            continue
        callid, queue, agent, event, data = fields[1], fields[2], fields[3], fields[4].strip().upper(), fields[5:]

        if event in AGENT_EVENTS:
            line = queues.line(queue) if queue and queue != "NONE" else None
            yield AgentEvent(row, at, extension_of(agent), event, line if isinstance(line, Line) else None)
            continue
        if event not in CALL_EVENTS or not callid or callid == "NONE":
            continue  # QUEUESTART, CONFIGRELOAD, DID…: not calls
        if problem := datetime_problem(at):
            yield Rejected(row, problem)
            continue
        line = queues.line(queue)
        if isinstance(line, str):
            yield Rejected(row, line)
            continue

        key = (callid, queue)
        call = open_calls.get(key)
        if event in CALL_START:
            open_calls[key] = OpenCall(row, line, at, caller=data[1] if len(data) > 1 else "")
        elif event in CALL_ANSWER:
            if call is None:  # the log began during the wait: start from the hold time
                hold = number(data[0]) if data else None
                call = open_calls[key] = OpenCall(row, line, at - datetime.timedelta(seconds=hold or 0))
            call.answered_at, call.agent_extension = at, extension_of(agent)
            call.wait_seconds = number(data[0]) if data else None
        elif event in CALL_END_ANSWERED:
            call = open_calls.pop(key, None)
            if event.startswith("COMPLETE"):  # COMPLETECALLER|hold|talk|position
                hold, talk = (number(data[0]) if data else None), (number(data[1]) if len(data) > 1 else None)
            else:
                hold, talk = transfer_times(event, data)
            if call is None or call.answered_at is None:
                if call is None and (hold is None or talk is None):
                    yield Rejected(
                        row, _("call %(callid)s ends here but its start is not in the file") % {"callid": callid}
                    )
                    continue
                if call is None:
                    answered = at - datetime.timedelta(seconds=talk)
                    call = OpenCall(row, line, answered - datetime.timedelta(seconds=hold))
                call.answered_at = call.answered_at or at - datetime.timedelta(seconds=talk or 0)
                call.agent_extension = call.agent_extension or extension_of(agent)
            yield Call(
                row=call.row,
                source_id=callid,
                line=line,
                started_at=call.started_at,
                answered_at=call.answered_at,
                ended_at=at,
                outcome=CallRecord.Outcome.ANSWERED,
                caller=call.caller,
                agent_extension=call.agent_extension,
                wait_seconds=call.wait_seconds,
                talk_seconds=talk,
            )
        elif event in CALL_END_UNANSWERED:
            call = open_calls.pop(key, None)
            if call is None:
                # ABANDON|position|origposition|waittime; EXITWITHTIMEOUT|position|origposition|waittime (newer)
                wait = number(data[2]) if len(data) > 2 else None
                if wait is None:
                    yield Rejected(
                        row, _("call %(callid)s ends here but its start is not in the file") % {"callid": callid}
                    )
                    continue
                call = OpenCall(row, line, at - datetime.timedelta(seconds=wait))
            yield Call(
                row=call.row,
                source_id=callid,
                line=line,
                started_at=call.started_at,
                answered_at=None,
                ended_at=at,
                outcome=CALL_END_UNANSWERED[event],
                caller=call.caller,
            )
    # Calls still open at the end of the file are neither imported nor rejected: a later,
    # longer log brings their end.


# Asterisk CDR (Master.csv) ---------------------------------------------------------------------


# Excel with Vietnamese settings rewrites the times of a CSV it saves as day/month/year.
EXCEL_TIMES = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]


def cdr_time(value: str) -> datetime.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        moment = excel_time(value)
    if datetime_problem(moment):  # a year PostgreSQL or the roster cannot take, an offset of 20 h
        raise ValueError(value)
    return timezone.make_aware(moment) if moment.tzinfo is None else moment


def cdr_separator(first: str) -> str:
    """Commas, as Asterisk writes Master.csv; semicolons when the file went through Excel
    with Vietnamese (or other decimal-comma) settings and only they give a CDR row."""
    by_commas = next(csv.reader([first]), [])
    by_semicolons = next(csv.reader([first], delimiter=";"), [])
    return ";" if len(by_semicolons) >= CDR_COLUMNS > len(by_commas) else ","


def excel_time(value: str) -> datetime.datetime:
    for layout in EXCEL_TIMES:
        try:
            return datetime.datetime.strptime(value, layout)
        except ValueError:
            continue
    raise ValueError(value)


def read_cdr_csv(lines, queues: Queues):
    """Master.csv: the 16 standard columns, then optionally uniqueid, userfield, …"""
    lines = iter(lines)
    head = []
    for text in lines:
        head.append(text)
        if text.strip():
            break
    reader = csv.reader(itertools.chain(head, lines), delimiter=cdr_separator(head[-1] if head else ""))
    for fields in reader:
        row = reader.line_num
        if not fields or not any(f.strip() for f in fields):
            continue
        if len(fields) < CDR_COLUMNS:
            message = _("%(count)s columns; a CDR row has at least 16, separated by commas (or semicolons)")
            yield Rejected(row, message % {"count": len(fields)}, malformed=True)
            continue
        (_account, src, dst, _context, clid, _channel, dstchannel, lastapp, lastdata) = fields[:9]
        start, answer, end, _duration, billsec, disposition = fields[9:15]
        # The queue is the first argument of Queue(); other calls are routed by their dst.
        queue = lastdata.split(",")[0].strip() if lastapp.strip().lower() == "queue" else dst.strip()
        line = queues.line(queue)
        if isinstance(line, str):
            yield Rejected(row, line)
            continue
        try:
            started_at, answered_at, ended_at = cdr_time(start), cdr_time(answer), cdr_time(end)
        except ValueError:
            yield Rejected(row, _("start, answer and end must be dates and times like 2026-03-01 08:15:02"))
            continue
        if started_at is None or ended_at is None or ended_at < started_at:
            yield Rejected(row, _("a call needs a start and an end not before it"))
            continue
        disposition = disposition.strip().upper()
        if answered_at is None or disposition != "ANSWERED":
            answered_at = None
            outcome = CDR_DISPOSITIONS.get(disposition, CallRecord.Outcome.ABANDONED)
            if outcome == CallRecord.Outcome.ANSWERED:
                outcome = CallRecord.Outcome.ABANDONED
        else:
            outcome = CallRecord.Outcome.ANSWERED
        uniqueid = fields[CDR_COLUMNS].strip() if len(fields) > CDR_COLUMNS else ""
        source_id = uniqueid or hashlib.sha1(",".join(fields[:CDR_COLUMNS]).encode()).hexdigest()
        yield Call(
            row=row,
            source_id=source_id,
            line=line,
            started_at=started_at,
            answered_at=answered_at,
            ended_at=ended_at,
            outcome=outcome,
            caller=src or clid,
            agent_extension=extension_of(dstchannel) if answered_at else "",
            talk_seconds=number(billsec) if answered_at else 0,
        )


# JSON ---------------------------------------------------------------------------------------------


MAX_JSON_RECORD = 1_000_000


def json_objects(chunks):
    """(line number, value) for each value of a JSON array, or of JSON Lines, read piece by
    piece, so a file of millions of records never sits in memory whole."""
    decoder = json.JSONDecoder()
    chunks = iter(chunks)
    buffer, row, in_array, started, eof = "", 1, False, False, False
    while True:
        stripped = buffer.lstrip()
        row += buffer[: len(buffer) - len(stripped)].count("\n")
        buffer = stripped
        if not buffer:
            chunk = next(chunks, None)
            if chunk is None:
                return
            buffer = chunk
            continue
        if not started:
            started = True
            if buffer[0] == "[":
                buffer, in_array = buffer[1:], True
                continue
        if in_array and buffer[0] == ",":
            buffer = buffer[1:]
            continue
        if in_array and buffer[0] == "]":
            return
        try:
            value, end = decoder.raw_decode(buffer)
        except json.JSONDecodeError as e:
            chunk = None if eof else next(chunks, None)
            if chunk is None or len(buffer) > MAX_JSON_RECORD:
                raise UnreadableFormat(
                    _("line %(row)s: not JSON (%(why)s)") % {"row": row + buffer[: e.pos].count("\n"), "why": e.msg}
                ) from e
            buffer += chunk
            continue
        yield row, value
        row += buffer[:end].count("\n")
        buffer = buffer[end:]


def json_time(value, name, errors, required=True):
    if value is None:
        if required:
            errors[name] = [_("This field is required.")]
        return None
    if not isinstance(value, str):
        errors[name] = [_("Give an ISO 8601 date and time.")]
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        errors[name] = [_("Give an ISO 8601 date and time.")]
        return None
    if problem := datetime_problem(moment):
        errors[name] = [problem]
        return None
    return timezone.make_aware(moment) if moment.tzinfo is None else moment.astimezone(datetime.UTC)


def check_json_record(value, row, queues: Queues, hotline: Hotline | None) -> Call | dict:
    """A Call, or {field: [messages]} saying what is wrong with the record."""
    if not isinstance(value, dict):
        return {"non_field_errors": [_("A call record is a JSON object.")]}
    errors = {}
    source_id = value.get("id")
    if isinstance(source_id, int) and not isinstance(source_id, bool):
        source_id = str(source_id)
    if not isinstance(source_id, str) or not source_id.strip():
        errors["id"] = [_("This field is required.")]
    elif len(source_id) > 128:
        errors["id"] = [_("At most 128 characters.")]
    number = value.get("hotline") or (hotline.number if hotline else None)
    digit = value.get("line")
    digit = str(digit) if isinstance(digit, int) and not isinstance(digit, bool) else digit
    line = None
    if not isinstance(number, str):
        errors["hotline"] = [_("This field is required.")]
    elif hotline is not None and number != hotline.number:
        errors["hotline"] = [_("Only calls of %(number)s here.") % {"number": hotline.number}]
    if not isinstance(digit, str) or not digit:
        errors["line"] = [_("This field is required.")]
    elif "hotline" not in errors:
        line = queues.by_digit.get((number, digit))
        if line is None:
            errors["line"] = [_("%(number)s has no line %(digit)s.") % {"number": number, "digit": digit}]
    started_at = json_time(value.get("started_at"), "started_at", errors)
    answered_at = json_time(value.get("answered_at"), "answered_at", errors, required=False)
    ended_at = json_time(value.get("ended_at"), "ended_at", errors)
    if started_at and ended_at and ended_at < started_at:
        errors["ended_at"] = [_("The call ends before it starts.")]
    if started_at and answered_at and not started_at <= answered_at <= (ended_at or answered_at):
        errors["answered_at"] = [_("A call is answered between its start and its end.")]
    for name in ("caller", "agent_extension"):
        if value.get(name) is not None and not isinstance(value.get(name), str):
            errors[name] = [_("Give a string.")]
    if errors:
        return errors
    return Call(
        row=row,
        source_id=source_id.strip(),
        line=line,
        started_at=started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        outcome=CallRecord.Outcome.ANSWERED if answered_at else CallRecord.Outcome.ABANDONED,
        caller=value.get("caller") or "",
        agent_extension=value.get("agent_extension") or "",
    )


def error_text(errors: dict, names=None) -> str:
    """`field: why; …`, each field by its name in `names` (none: as the input names it).
    A message's own closing full stop goes: joined, it would read `….; …`."""
    parts = []
    for name, messages in errors.items():
        label = names.get(name, name) if names is not None else name
        why = " ".join(messages).rstrip(". ")
        parts.append(f"{label}: {why}" if label else why)
    return "; ".join(parts)


def read_json(lines, queues: Queues, hotline: Hotline | None = None):
    for row, value in json_objects(lines):
        checked = check_json_record(value, row, queues, hotline)
        yield checked if isinstance(checked, Call) else Rejected(row, error_text(checked), errors=checked)


# Storing -------------------------------------------------------------------------------------------


def store(calls: list[Call], result: ImportResult) -> None:
    """Store these calls in one transaction, counting them into result. A known id of the
    same hotline is a duplicate, whatever its fields."""
    imported = duplicate = 0
    by_hotline = {}
    for call in calls:
        by_hotline.setdefault(call.line.hotline_id, {})
        if call.source_id in by_hotline[call.line.hotline_id]:
            duplicate += 1
        else:
            by_hotline[call.line.hotline_id][call.source_id] = call
    with transaction.atomic():
        for hotline_id, batch in by_hotline.items():
            known = set(
                CallRecord.objects.filter(hotline_id=hotline_id, source_id__in=list(batch)).values_list(
                    "source_id", flat=True
                )
            )
            new = [call.record() for source_id, call in batch.items() if source_id not in known]
            created = CallRecord.objects.bulk_create(new, ignore_conflicts=True)
            imported += len(created)
            duplicate += len(known)
    result.imported += imported
    result.duplicate += duplicate


def made_by_connector(event: AgentEvent) -> bool:
    """Whether the switchboard connector added this member itself (the signal's receivers say)."""
    if event.event != "ADDMEMBER":
        return False
    answers = signals.connector_added_member.send(sender=AgentEvent, event=event)
    return any(answer for _receiver, answer in answers)


def import_calls(lines, format: str, *, hotline: Hotline | None = None, allowed_lines=None) -> ImportResult:
    """Read and store the calls of a file (an iterable of text lines) of the given format;
    `allowed_lines` limits the lines it may write to (None: all)."""
    queues = Queues(hotline, allowed_lines)
    if format == "asterisk-queue-log":
        items = read_queue_log(lines, queues)
    elif format == "asterisk-csv":
        items = read_cdr_csv(lines, queues)
    elif format == "json":
        items = read_json(lines, queues, hotline)
    else:
        raise UnreadableFormat(_("unknown format %(format)r") % {"format": format})
    result, batch, well_formed = ImportResult(), [], 0
    try:
        for item in items:
            if isinstance(item, Call) and (problems := item.problems()):
                item = Rejected(item.row, error_text(problems), errors=problems)
            if isinstance(item, Rejected):
                result.rejected.append(item)
                well_formed += not item.malformed
                continue
            well_formed += 1
            if isinstance(item, AgentEvent):
                result.agent_events += 1
                if not made_by_connector(item):
                    signals.switchboard_agent_event.send(sender=AgentEvent, event=item, lines=allowed_lines)
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                store(batch, result)
                batch = []
    except UnreadableFormat as e:
        if not well_formed:
            raise
        result.rejected.append(Rejected(0, str(e), malformed=True))
    if batch:
        store(batch, result)
    if result.rejected and not well_formed:
        raise UnreadableFormat(_("no line of the file is %(format)s") % {"format": format})
    return result
