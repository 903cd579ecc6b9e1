"""
The one builder of message rows: what an agent or a director is to be told becomes
Notification rows here, for the outbox to send.

A row's key is unique: built again for the same event, it is the same row,
and bulk_create(ignore_conflicts=True) makes it once.
"""

from roster.models import Notification
from roster.notifications.gateways.base import fit_segment


def agent_messages(agent, *, stem, kind, subject, body, sms_body=None, assignment=None) -> list[Notification]:
    """One message per channel the agent chose (Agent.channels), keyed `{stem}:{channel}`;
    the SMS is `sms_body` (else `body`) fitted to one segment."""
    rows = []
    for channel in agent.channels():
        by_sms = channel == Notification.Channel.SMS
        rows.append(
            Notification(
                key=f"{stem}:{channel}",
                kind=kind,
                channel=channel,
                agent=agent,
                assignment=assignment,
                to=agent.phone if by_sms else agent.email,
                subject=subject,
                body=fit_segment(sms_body or body) if by_sms else body,
            )
        )
    return rows


def sms_message(to, *, stem, kind, body, agent=None) -> Notification:
    """One SMS keyed `{stem}:sms`, whatever channels an agent chose: for what cannot wait on
    an inbox (an escalation), or for a phone that is nobody's agent (a unit's duty phone)."""
    return Notification(
        key=f"{stem}:sms",
        kind=kind,
        channel=Notification.Channel.SMS,
        agent=agent,
        to=to,
        body=fit_segment(body),
    )


def director_email(director, *, key, kind, subject, body) -> Notification:
    return Notification(
        key=key,
        kind=kind,
        channel=Notification.Channel.EMAIL,
        user=director,
        to=director.email,
        subject=subject,
        body=body,
    )
