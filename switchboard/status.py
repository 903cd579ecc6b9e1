"""The connectors' state for /healthz (the operator's dashboard reads the Switchboard rows), and
the callers waiting per line for the wallboard."""

import datetime

from django.conf import settings
from django.db.models import Count

from switchboard.events import present_queues
from switchboard.models import Switchboard, WaitingCall

# A connector not heard from this long (nor for three of its pings) is taken for dead.
QUIET = datetime.timedelta(minutes=2)


def health(now: datetime.datetime) -> list[str] | None:
    """The numbers of the AMI hotlines whose connector is not connected or not heard from lately
    (empty when all are well), for /healthz; None when no hotline has an AMI switchboard
    configured (webhooks need no process)."""
    configured = list(Switchboard.objects.with_ami().select_related("hotline").order_by("hotline__number"))
    if not configured:
        return None
    fresh = now - max(QUIET, datetime.timedelta(seconds=3 * settings.SWITCHBOARD_PING_SECONDS))
    down = [
        switchboard.hotline.number
        for switchboard in configured
        if switchboard.connected_since is None or switchboard.alive_at is None or switchboard.alive_at < fresh
    ]
    return down


def callers_waiting(line_ids) -> dict[int, dict]:
    """line id → {"callers_waiting": N, "nobody_present": bool} for the lines with callers in
    their queue now, not yet answered: what the wallboard shows in red within its refresh."""
    waiting = (
        WaitingCall.objects.filter(line_id__in=line_ids, answered_at__isnull=True, left_at__isnull=True)
        .values("line_id", "line__queue", "switchboard_id")
        .annotate(callers=Count("pk"))
    )
    waiting = list(waiting)
    present = present_queues({row["switchboard_id"] for row in waiting}, {row["line__queue"] for row in waiting})
    found = {}
    for row in waiting:
        entry = found.setdefault(row["line_id"], {"callers_waiting": 0, "nobody_present": True})
        entry["callers_waiting"] += row["callers"]
        if (row["switchboard_id"], row["line__queue"]) in present:
            entry["nobody_present"] = False
    return found
