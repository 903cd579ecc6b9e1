"""Reads that the pages and the API share, so that both front doors show the same rows."""

from django.db.models import Q

from roster import policy
from roster.models import Notification


def notification_log(user):
    """What the user was told, and what the agents of the user's units were told: the
    messages of agents of other units (about their own units' shifts too) are not theirs."""
    scope = Q(user=user) | Q(agent__user=user)
    if policy.is_manager(user):
        scope |= Q(agent__in=policy.editable_agents(user).values("pk"))
    return Notification.objects.filter(scope).select_related("agent").order_by("-created_at", "-pk")
