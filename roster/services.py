"""Writes that touch several models at once, each in one transaction."""

from django.db import transaction
from django.utils import timezone

from roster.models import Assignment, Roster


@transaction.atomic
def roster_publish(*, roster: Roster, by=None) -> Roster:
    """Publish a draft: its assignments start to hold their agents' time."""
    # Lock the roster so two directors pressing "publish" at once publish it once.
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    if roster.is_published:
        return roster
    roster.status = Roster.Status.PUBLISHED
    roster.published_at = timezone.now()
    roster.published_by = by
    roster.save(update_fields=["status", "published_at", "published_by"])
    # One UPDATE; on PostgreSQL the exclusion constraint refuses it whole if any of
    # these assignments would double-book an agent.
    Assignment.objects.filter(shift__roster=roster).exclude(status__in=Assignment.NOT_HOLDING).update(is_live=True)
    return roster
