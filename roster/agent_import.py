"""Agents from a CSV file: the `import_agents` command and the import page.

Columns: full_name,phone,email,unit,lines,max_hours_per_week (a header row; `unit` by its
code; `lines` menu keys like `2` or `1;2`; UTF-8 with or without BOM). An agent is matched
by phone number and updated, else created with a login (username from the email, else the
phone number). Every row is checked before anything is written.
"""

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from hotline.models import Line, Unit
from roster.models import Agent
from roster.phones import normalize_phone

COLUMNS = ["full_name", "phone", "email", "unit", "lines", "max_hours_per_week"]


class UnreadableFile(Exception):
    """The file is not a CSV of agents at all (encoding, header)."""


@dataclass
class AgentRow:
    line: int
    full_name: str
    phone: str
    email: str
    unit: Unit
    lines: list
    max_hours_per_week: int


@dataclass
class AgentFile:
    rows: list = field(default_factory=list)  # [AgentRow]
    errors: list = field(default_factory=list)  # [(line number, why)]


def read_agents(data: bytes, *, units=None) -> AgentFile:
    """Check every row of the file; write nothing.

    `units` are the units whose agents the importer may create and update (a director's: the
    units they direct and those below); None allows all (the command line). A row whose phone,
    email or login belongs to an agent or a user outside them is a bad row, never an update."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UnreadableFile(_("The file is not UTF-8 text.")) from e
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise UnreadableFile(_("The header row lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    reader.fieldnames = header

    units = units if units is not None else Unit.objects.all()
    units_by_code = {unit.code: unit for unit in units}
    all_units = {unit.pk: unit for unit in Unit.objects.all()}
    lines_by_digit = {}
    for line in Line.objects.filter(active=True).select_related("hotline"):
        lines_by_digit.setdefault(line.digit, []).append(line)
    scope = Scope(units_by_code)

    result = AgentFile()
    seen_phones = {}
    for record in reader:
        number = reader.line_num
        if not any((value or "").strip() for value in record.values()):
            continue
        try:
            row = check_row(record, number, units_by_code, all_units, lines_by_digit)
            if row.phone in seen_phones:
                raise ValidationError(
                    _("the phone number %(phone)s is also on line %(other)s")
                    % {"phone": row.phone, "other": seen_phones[row.phone]}
                )
            scope.check(row)
        except ValidationError as e:
            result.errors.append((number, "; ".join(e.messages)))
            continue
        seen_phones[row.phone] = number
        result.rows.append(row)
    return result


class Scope:
    """Who a row may touch: the agent with its phone number, if any, must be of the importer's
    units, and its login (username from the email, else the phone) must be that agent's own or
    nobody's. Looked up once for the whole file."""

    def __init__(self, units_by_code):
        unit_ids = {unit.pk for unit in units_by_code.values()}
        self.agents = {
            phone: (unit_id in unit_ids, user_id)
            for phone, unit_id, user_id in Agent.objects.values_list("phone", "unit_id", "user_id")
        }
        self.users_by_username = dict(get_user_model().objects.values_list("username", "pk"))
        self.users_by_email = {}
        for email, pk in get_user_model().objects.exclude(email="").values_list("email", "pk"):
            self.users_by_email.setdefault(email.lower(), set()).add(pk)

    def check(self, row):
        in_scope, own_user = self.agents.get(row.phone, (True, None))
        if not in_scope:
            raise ValidationError(
                _("the phone number %(phone)s belongs to an agent of another unit") % {"phone": row.phone}
            )
        username = username_for(row)
        owner = self.users_by_username.get(username)
        if owner is not None and owner != own_user:
            raise ValidationError(_("the login %(username)s belongs to someone else") % {"username": username})
        if row.email and self.users_by_email.get(row.email, set()) - {own_user}:
            raise ValidationError(_("the email %(email)s belongs to another person's login") % {"email": row.email})


def check_row(record, number, units_by_code, all_units, lines_by_digit) -> AgentRow:
    value = {name: (record.get(name) or "").strip() for name in COLUMNS}
    problems = [
        _("%(column)s contains a control character") % {"column": name}
        for name, text in value.items()
        if any(ord(char) < 32 or ord(char) == 127 for char in text)
    ]
    if problems:
        raise ValidationError(problems)
    if not value["full_name"]:
        problems.append(_("full_name is empty"))
    phone = ""
    try:
        phone = normalize_phone(value["phone"])
    except ValidationError as e:
        problems.append(_("phone: %(why)s") % {"why": " ".join(e.messages)})
    if value["email"]:
        try:
            validate_email(value["email"])
        except ValidationError:
            problems.append(_("email: %(email)s is not an email address") % {"email": value["email"]})
    unit = units_by_code.get(value["unit"])
    if unit is None:
        problems.append(_("unit: there is no unit with the code %(code)r") % {"code": value["unit"]})
    lines = []
    for digit in [d.strip() for d in value["lines"].split(";") if d.strip()]:
        line = pick_line(digit, unit, all_units, lines_by_digit)
        if isinstance(line, str):
            problems.append(line)
        else:
            lines.append(line)
    try:
        hours = int(value["max_hours_per_week"] or 48)
        if not 1 <= hours <= 168:
            raise ValueError
    except ValueError:
        message = _("max_hours_per_week: %(value)r is not a whole number from 1 to 168")
        problems.append(message % {"value": value["max_hours_per_week"]})
        hours = 0
    if not problems:
        # The model's own limits (lengths, the email's form), as the form on the page checks them.
        agent = Agent(full_name=value["full_name"], phone=phone, email=value["email"].lower(), unit=unit)
        agent.max_hours_per_week = hours
        try:
            agent.full_clean(exclude=["user", "phone", "calendar_token"], validate_unique=False)
        except ValidationError as e:
            problems.extend(f"{field}: {' '.join(messages)}" for field, messages in e.message_dict.items())
        username = Agent.login_username(agent.email, phone)
        if len(username) > get_user_model()._meta.get_field("username").max_length:
            problems.append(_("email: too long to be a login name"))
    if problems:
        raise ValidationError(problems)
    return AgentRow(number, value["full_name"], phone, value["email"].lower(), unit, lines, hours)


def pick_line(digit, unit, all_units, lines_by_digit):
    """The line with this menu key; where several hotlines use it, the one whose answering
    unit is the agent's unit, above it or below it. A string says why there is none."""
    candidates = lines_by_digit.get(digit, [])
    if len(candidates) > 1 and unit is not None:
        related = related_unit_ids(unit, all_units)
        candidates = [line for line in candidates if line.unit_id in related] or candidates
    if not candidates:
        return _("lines: there is no line %(digit)s") % {"digit": digit}
    if len(candidates) > 1:
        return _("lines: line %(digit)s is on several hotlines (%(hotlines)s)") % {
            "digit": digit,
            "hotlines": ", ".join(line.hotline.number for line in candidates),
        }
    return candidates[0]


def related_unit_ids(unit, all_units) -> set:
    ids = {unit.pk}
    parent = unit.parent_id
    while parent is not None and parent not in ids:
        ids.add(parent)
        parent = all_units[parent].parent_id
    grew = True
    while grew:
        below = {u.pk for u in all_units.values() if u.parent_id in ids} - ids
        grew = bool(below)
        ids |= below
    return ids


def username_for(row: AgentRow) -> str:
    return Agent.login_username(row.email, row.phone)


@transaction.atomic
def write_agents(rows, *, units=None) -> tuple[int, int]:
    """Create or update the agents of these checked rows; return (created, updated).

    `units` as for read_agents: the agent a row updates is looked up among them only, so a
    row can never reach another unit's agent (were one to take the phone number meanwhile, the
    unique constraint refuses the new agent and the whole import rolls back)."""
    agents = Agent.objects.all() if units is None else Agent.objects.filter(unit__in=units)
    created = updated = 0
    for row in rows:
        agent = agents.filter(phone=row.phone).select_related("user").first()
        if agent is None:
            agent = Agent(phone=row.phone)
            created += 1
        else:
            updated += 1
        agent.full_name, agent.email, agent.unit = row.full_name, row.email, row.unit
        agent.max_hours_per_week = row.max_hours_per_week
        agent.update_login()
        agent.save()
        agent.lines.set(row.lines)
    return created, updated
