"""
Who may see and change what: the roles of docs/reference.md, in one place.

- admin: a superuser; everything.
- hotline operator: a director of the unit that runs a hotline; every line of it.
- director: a director of a unit; the lines, agents and rosters of that unit and
  of the units below it.
- agent: a user linked to an agent; their own shifts, and who is on duty.

An agent of another unit who answers a director's line may be put on and taken off that
line's shifts (`managed_agents`), but their record, login and leave belong to their own
unit's directors (`editable_agents`).

Pages, the API, imports and tasks ask these functions; none of them decide on their own.
Every lookup by a natural key (a phone, an email, an extension, a code) that leads to a write
is made among what these functions return, never among all rows.
"""

from collections import defaultdict

from django.db.models import Q

from hotline.models import Hotline, Line, Unit, unit_children, with_units_below
from roster.models import Agent


def is_admin(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_superuser


def directed_units(user):
    """The units the user directs and every unit below them."""
    if is_admin(user):
        return Unit.objects.all()
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(directors=user).with_descendants()


def operated_hotlines(user):
    """The hotlines run by a unit the user directs."""
    if is_admin(user):
        return Hotline.objects.all()
    if not user.is_authenticated:
        return Hotline.objects.none()
    return Hotline.objects.filter(unit__in=Unit.objects.filter(directors=user))


def is_manager(user) -> bool:
    """An admin, a hotline operator or a director: someone who builds rosters."""
    if is_admin(user):
        return True
    return user.is_authenticated and Unit.objects.filter(directors=user).exists()


def managed_lines(user):
    """Lines whose rosters the user may build, fix and publish."""
    if is_admin(user):
        return Line.objects.all()
    if not user.is_authenticated:
        return Line.objects.none()
    return Line.objects.filter(Q(hotline__in=operated_hotlines(user)) | Q(unit__in=directed_units(user).values("pk")))


def managed_line_ids(users) -> dict[int, set[int]]:
    """managed_lines of many users at once, as line ids by user id: the same rule, read in a
    fixed few queries however many users, units and lines there are (the beat's gap alert asks
    it for every director of the country)."""
    children = unit_children()
    directed = defaultdict(set)
    for user_id, unit_id in Unit.directors.through.objects.filter(user__in=[u.pk for u in users]).values_list(
        "user_id", "unit_id"
    ):
        directed[user_id].add(unit_id)
    lines = list(Line.objects.values_list("pk", "unit_id", "hotline__unit_id"))
    result = {}
    for user in users:
        if is_admin(user):
            result[user.pk] = {pk for pk, _unit, _operator in lines}
            continue
        operated = directed[user.pk] if user.is_authenticated else set()
        below = with_units_below(operated, children)
        result[user.pk] = {pk for pk, unit_id, operator_id in lines if operator_id in operated or unit_id in below}
    return result


def managed_agents(user):
    """Agents of the user's units, and agents who answer one of the user's lines."""
    if is_admin(user):
        return Agent.objects.all()
    if not user.is_authenticated:
        return Agent.objects.none()
    return Agent.objects.filter(
        Q(unit__in=directed_units(user).values("pk"))
        | Q(pk__in=Agent.lines.through.objects.filter(line__in=managed_lines(user)).values("agent_id"))
    )


def editable_agents(user):
    """Agents whose record (name, phone, email, unit, lines, login, leave) the user may change:
    those of the units they direct and the units below them."""
    if is_admin(user):
        return Agent.objects.all()
    if not user.is_authenticated:
        return Agent.objects.none()
    return Agent.objects.filter(unit__in=directed_units(user).values("pk"))


def can_edit_agent(user, agent: Agent) -> bool:
    return editable_agents(user).filter(pk=agent.pk).exists()


def can_decide_leave(user, agent: Agent) -> bool:
    """A director of the agent's unit decides on their leave; nobody but an admin decides on
    their own."""
    if agent.user_id == user.pk and not is_admin(user):
        return False
    return can_edit_agent(user, agent)


def can_manage_lines(user, lines) -> bool:
    """Whether the user manages every one of these lines (publishing a roster needs all)."""
    managed = set(managed_lines(user).values_list("pk", flat=True))
    return all(line.pk in managed for line in lines)


def agent_of(user) -> Agent | None:
    """The agent this user signs in as, if any."""
    if not user.is_authenticated:
        return None
    return Agent.objects.filter(user=user, active=True).select_related("unit").first()


def visible_hotlines(user):
    """Hotlines whose on-duty board the user may read: their own and those their unit answers."""
    if is_admin(user):
        return Hotline.objects.all()
    if not user.is_authenticated:
        return Hotline.objects.none()
    answering_units = Unit.objects.filter(
        Q(pk__in=directed_units(user).values("pk")) | Q(agents__user=user, agents__active=True)
    )
    return Hotline.objects.filter(
        Q(pk__in=operated_hotlines(user).values("pk"))
        | Q(pk__in=Line.objects.filter(unit__in=answering_units.values("pk")).values("hotline_id"))
    )


def can_manage_line(user, line: Line) -> bool:
    return managed_lines(user).filter(pk=line.pk).exists()


class PhoneRule:
    """Whose phone numbers a user may see where the app lists who is on duty.

    An agent's phone is personal data (Decree 13/2023): it is shown to those who may have to
    reach the agent, and to nobody else."""

    def __init__(self, *, everyone=False, line_ids=(), unit_ids=()):
        self.everyone = everyone
        self.line_ids = frozenset(line_ids)
        self.unit_ids = frozenset(unit_ids)

    def shows(self, *, unit_id, line_id) -> bool:
        """Whether the phone of an agent of this unit, on duty on this line, may be shown."""
        return self.everyone or line_id in self.line_ids or unit_id in self.unit_ids


def phone_rule(user) -> PhoneRule:
    """Agents see the phones of whoever is on duty on the lines they answer; directors those
    of their units' agents and of whoever is on duty on the lines they manage (an operator:
    every line of the hotline); admins all. Elsewhere the answering unit's phone is the
    number to call. Nobody signed in (a wall screen opened with its key) sees none."""
    if is_admin(user):
        return PhoneRule(everyone=True)
    if not user.is_authenticated:
        return PhoneRule()
    lines = Line.objects.filter(Q(pk__in=managed_lines(user).values("pk")) | Q(agents__user=user, agents__active=True))
    return PhoneRule(
        line_ids=lines.values_list("pk", flat=True),
        unit_ids=directed_units(user).values_list("pk", flat=True),
    )
