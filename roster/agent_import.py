"""Agents from a CSV file: the `import_agents` command and the import page.

Columns: full_name,phone,email,unit,lines,max_hours_per_week (a header row; `unit` by its
code or its full name; `lines` menu keys like `2` or `1;2`; UTF-8 with or without BOM). The columns are
separated by commas, or by semicolons as Excel writes CSV where the decimal mark is a comma
(Vietnamese settings). An agent is matched by phone number and updated, else created with a
login (username from the email, else the phone number). Every row is checked before anything
is written.

A bad row's problems name their column: as in the file on the command line (`phone: …`), in
words on the page (`số điện thoại: …`).
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from hotline.models import Line, Unit
from roster.models import Agent
from roster.phones import normalize_phone
from roster.services import agent_welcome

COLUMNS = ["full_name", "phone", "email", "unit", "lines", "max_hours_per_week"]


class UnreadableFile(Exception):
    """The file is not a CSV of agents at all (encoding, header)."""


@dataclass
class Problem:
    """One thing wrong with a row. The template is in the reader's language already and
    names the column with %(field)s, filled in when the problem is shown."""

    template: str
    params: dict = field(default_factory=dict)
    column: str = ""

    def text(self, names=None) -> str:
        name = (names or {}).get(self.column, self.column)
        return self.template % {**self.params, "field": name}


class BadRow(Exception):
    """The row cannot be written: its problems, all of them where they can be found at once."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


def column_names() -> dict:
    """Each column named in words, in the active language: the model's field names."""
    return {name: Agent._meta.get_field(name).verbose_name for name in COLUMNS}


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
    bad_rows: list = field(default_factory=list)  # [(line number, [Problem])]

    @property
    def errors(self) -> list:
        """[(line number, why)], the columns named as in the file (the command line)."""
        return [(number, joined(p.text() for p in problems)) for number, problems in self.bad_rows]

    def errors_in_words(self) -> list:
        """[(line number, why)], the columns named in words (the page)."""
        names = column_names()
        return [(number, joined(p.text(names) for p in problems)) for number, problems in self.bad_rows]


def joined(texts) -> str:
    """Problems in one line: a validator's closing full stop would read “….; …”."""
    return "; ".join(text.rstrip(". ") for text in texts)


def read_agents(data: bytes, *, units=None) -> AgentFile:
    """Check every row of the file; write nothing.

    `units` are the units whose agents the importer may create and update (a director's: the
    units they direct and those below); None allows all (the command line). A row whose phone,
    email or login belongs to an agent or a user outside them is a bad row, never an update."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UnreadableFile(_("The file is not UTF-8 text: in Excel, save it as “CSV UTF-8”.")) from e
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=separator(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise UnreadableFile(
            _("The header row lacks the columns: %(columns)s. Separate the columns with commas or semicolons.")
            % {"columns": ", ".join(missing)}
        )
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
                message = _("the phone number %(phone)s is also on line %(other)s")
                raise BadRow([Problem(message, {"phone": row.phone, "other": seen_phones[row.phone]})])
            scope.check(row)
        except BadRow as e:
            result.bad_rows.append((number, e.problems))
            continue
        seen_phones[row.phone] = number
        result.rows.append(row)
    return result


def separator(text: str) -> str:
    """The header row's separator: a semicolon when it has more of them than commas."""
    header = text.partition("\n")[0]
    return ";" if header.count(";") > header.count(",") else ","


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
            message = _("the phone number %(phone)s belongs to an agent of another unit")
            raise BadRow([Problem(message, {"phone": row.phone})])
        username = username_for(row)
        owner = self.users_by_username.get(username)
        if owner is not None and owner != own_user:
            raise BadRow([Problem(_("the login %(username)s belongs to someone else"), {"username": username})])
        if row.email and self.users_by_email.get(row.email, set()) - {own_user}:
            message = _("the email %(email)s belongs to another person's login")
            raise BadRow([Problem(message, {"email": row.email})])


def check_row(record, number, units_by_code, all_units, lines_by_digit) -> AgentRow:
    value = {name: (record.get(name) or "").strip() for name in COLUMNS}
    problems = [
        Problem(_("%(field)s contains a control character"), column=name)
        for name, text in value.items()
        if any(ord(char) < 32 or ord(char) == 127 for char in text)
    ]
    if problems:
        raise BadRow(problems)
    if not value["full_name"]:
        problems.append(Problem(_("%(field)s is empty"), column="full_name"))
    phone = ""
    try:
        phone = normalize_phone(value["phone"])
    except ValidationError as e:
        problems.append(Problem(_("%(field)s: %(why)s"), {"why": " ".join(e.messages)}, "phone"))
    if value["email"]:
        try:
            validate_email(value["email"])
        except ValidationError:
            message = _("%(field)s: %(email)s is not an email address")
            problems.append(Problem(message, {"email": value["email"]}, "email"))
    unit = find_unit(value["unit"], units_by_code)
    if unit is None:
        message = _("%(field)s: there is no unit “%(unit)s”; write its code (%(codes)s) or its full name")
        codes = ", ".join(sorted(units_by_code))
        problems.append(Problem(message, {"unit": value["unit"], "codes": codes}, "unit"))
    lines = []
    # Menu keys by semicolons (1;2), or commas where the columns are separated by semicolons.
    for digit in [d.strip() for d in re.split("[;,]", value["lines"]) if d.strip()]:
        line = pick_line(digit, unit, all_units, lines_by_digit)
        if isinstance(line, Problem):
            problems.append(line)
        else:
            lines.append(line)
    try:
        hours = int(value["max_hours_per_week"] or 48)
        if not 1 <= hours <= 168:
            raise ValueError
    except ValueError:
        message = _("%(field)s: “%(value)s” is not a whole number from 1 to 168")
        problems.append(Problem(message, {"value": value["max_hours_per_week"]}, "max_hours_per_week"))
        hours = 0
    if not problems:
        # The model's own limits (lengths, the email's form), as the form on the page checks them.
        agent = Agent(full_name=value["full_name"], phone=phone, email=value["email"].lower(), unit=unit)
        agent.max_hours_per_week = hours
        try:
            agent.full_clean(exclude=["user", "phone", "calendar_token"], validate_unique=False)
        except ValidationError as e:
            problems.extend(
                Problem(_("%(field)s: %(why)s"), {"why": " ".join(messages)}, name)
                for name, messages in e.message_dict.items()
            )
        username = Agent.login_username(agent.email, phone)
        if len(username) > get_user_model()._meta.get_field("username").max_length:
            problems.append(Problem(_("%(field)s: too long to be a login name"), column="email"))
    if problems:
        raise BadRow(problems)
    return AgentRow(number, value["full_name"], phone, value["email"].lower(), unit, lines, hours)


def find_unit(text, units_by_code):
    """The unit a row names by its code or, as people write it, by its full name."""
    if text in units_by_code:
        return units_by_code[text]
    wanted = " ".join(text.split()).casefold()
    for unit in units_by_code.values():
        if unit.code.casefold() == wanted or " ".join(unit.name.split()).casefold() == wanted:
            return unit
    return None


def pick_line(digit, unit, all_units, lines_by_digit):
    """The line with this menu key; where several hotlines use it, the one whose answering
    unit is the agent's unit, above it or below it. A Problem says why there is none."""
    candidates = lines_by_digit.get(digit, [])
    if len(candidates) > 1 and unit is not None:
        related = related_unit_ids(unit, all_units)
        candidates = [line for line in candidates if line.unit_id in related] or candidates
    if not candidates:
        return Problem(_("%(field)s: there is no line %(digit)s"), {"digit": digit}, "lines")
    if len(candidates) > 1:
        hotlines = ", ".join(line.hotline.number for line in candidates)
        message = _("%(field)s: line %(digit)s is on several hotlines (%(hotlines)s)")
        return Problem(message, {"digit": digit, "hotlines": hotlines}, "lines")
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
        new_login = agent.user_id is None
        agent.update_login()
        agent.save()
        agent.lines.set(row.lines)
        if new_login:
            agent_welcome(agent=agent)
    return created, updated
