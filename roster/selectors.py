"""Reads that the pages and the API share, so that both front doors show the same rows."""

from django.db.models import Q

from roster import policy
from roster.models import Notification


def notification_log(user):
    """What the user was told, and what the agents they roster were told (a hotline's operator:
    every agent of its lines), so that an undelivered reminder is seen by who can act on it."""
    scope = Q(user=user) | Q(agent__user=user)
    if policy.is_manager(user):
        scope |= Q(agent__in=policy.managed_agents(user).values("pk"))
    return Notification.objects.filter(scope).select_related("agent", "user__agent").order_by("-created_at", "-pk")
