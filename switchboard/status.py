"""The connectors' state for /healthz (the operator's dashboard reads the Switchboard rows)."""

import datetime

from django.conf import settings

from switchboard.models import Switchboard

# A connector not heard from this long (nor for three of its pings) is taken for dead.
QUIET = datetime.timedelta(minutes=2)


def health(now: datetime.datetime) -> str | None:
    """/healthz's "switchboard" entry: "ok" while every AMI hotline's connector is connected and
    heard its switchboard lately, else "down" naming them; None when no hotline has an AMI
    switchboard configured (webhooks need no process)."""
    configured = list(
        Switchboard.objects.filter(hotline__active=True)
        .exclude(ami_host="")
        .select_related("hotline")
        .order_by("hotline__number")
    )
    if not configured:
        return None
    fresh = now - max(QUIET, datetime.timedelta(seconds=3 * settings.SWITCHBOARD_PING_SECONDS))
    down = [
        switchboard.hotline.number
        for switchboard in configured
        if switchboard.connected_since is None or switchboard.alive_at is None or switchboard.alive_at < fresh
    ]
    return f"down {', '.join(down)}" if down else "ok"
