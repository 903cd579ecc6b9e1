"""
Who may see and manage what: the roles of CONTRACT section 2, in one place.

- admin: a superuser; everything.
- hotline operator: a director of the unit that runs a hotline; every line of it.
- director: a director of a unit; the lines, agents and rosters of that unit and
  of the units below it.
- agent: a user linked to an agent; their own shifts, and who is on duty.

Pages and the API ask these functions; none of them decide on their own.
"""

from django.db.models import Q

from hotline.models import Hotline, Line, Unit
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
