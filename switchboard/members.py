"""Roster → queue: which agents each following line's queue should hold now, and the
difference from the members the connector added (RosterMember).

The connector asks this every few seconds, so a swap, a hand-made change, a re-plan or a
deactivation reaches the switchboard within seconds without a signal for each of them.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from roster.models import Assignment
from switchboard.events import is_yes
from switchboard.models import QueueMemberState, RosterMember, Switchboard


@dataclass(frozen=True)
class Member:
    line_id: int
    queue: str
    interface: str
    member_name: str
    agent_id: int


def wanted(switchboard: Switchboard, now: datetime.datetime) -> dict[tuple[str, str], Member]:
    """(queue, interface) → Member for each agent holding a shift under way (or ended less than
    SWITCHBOARD_HANDOVER_MINUTES ago) on a following line, not checked out, with an extension."""
    handover = datetime.timedelta(minutes=settings.SWITCHBOARD_HANDOVER_MINUTES)
    lines = list(switchboard.following_lines())
    on_duty = (
        Assignment.objects.filter(
            shift__line__in=lines, is_live=True, start__lte=now, end__gt=now - handover, checked_out_at__isnull=True
        )
        .filter(agent__active=True)
        .exclude(agent__extension="")
        .select_related("agent", "shift__line")
        .order_by("start", "pk")
    )
    members = {}
    for assignment in on_duty:
        line, agent = assignment.shift.line, assignment.agent
        interface = switchboard.interface(agent.extension)
        members.setdefault((line.queue, interface), Member(line.pk, line.queue, interface, agent.full_name, agent.pk))
    return members


@dataclass
class Plan:
    add: list  # [Member]
    remove: list  # [RosterMember]


def plan(switchboard: Switchboard, now: datetime.datetime) -> Plan:
    """What to add and remove: members wanted that are not in the queue, and the connector's own
    members no longer wanted. Members the connector did not add are never removed."""
    want = wanted(switchboard, now)
    ours = {(m.queue, m.interface): m for m in RosterMember.objects.filter(switchboard=switchboard, removed_at=None)}
    in_queue = set(QueueMemberState.objects.filter(switchboard=switchboard).values_list("queue", "interface"))
    return Plan(
        add=[member for key, member in want.items() if key not in ours and key not in in_queue],
        remove=[member for key, member in ours.items() if key not in want],
    )


def record_added(switchboard: Switchboard, member: Member, now) -> RosterMember:
    """Recorded before the QueueAdd goes out, so that its QueueMemberAdded event, which may come
    back before the response, is known as the connector's own and checks nobody in."""
    return RosterMember.objects.create(
        switchboard=switchboard,
        line_id=member.line_id,
        agent_id=member.agent_id,
        queue=member.queue,
        interface=member.interface,
        member_name=member.member_name,
        added_at=now,
    )


def record_removed(member: RosterMember, now, because: str) -> None:
    RosterMember.objects.filter(pk=member.pk).update(removed_at=now, removed_because=because)


def forget_added(member: RosterMember) -> None:
    """The switchboard refused the QueueAdd: it never happened."""
    RosterMember.objects.filter(pk=member.pk).delete()


@transaction.atomic
def queue_status(switchboard: Switchboard, members: list[dict], now) -> list[RosterMember]:
    """The queues' members as QueueStatus lists them (on connect): the state table rebuilt, and
    the connector's members that the switchboard lost meanwhile (a restart) marked removed,
    so the next plan adds them again if they are still wanted."""
    queues = set(switchboard.hotline.lines.exclude(queue="").values_list("queue", flat=True))
    QueueMemberState.objects.filter(switchboard=switchboard).delete()
    seen = set()
    rows = []
    for member in members:
        queue = member.get("Queue", "")
        interface = member.get("Location") or member.get("Interface") or member.get("StateInterface") or ""
        if queue not in queues or not interface or (queue, interface) in seen:
            continue
        seen.add((queue, interface))
        rows.append(
            QueueMemberState(
                switchboard=switchboard,
                queue=queue,
                interface=interface,
                member_name=(member.get("Name") or member.get("MemberName") or "")[:200],
                status=(member.get("Status") or "")[:4],
                paused=is_yes(member.get("Paused", "")),
                updated_at=now,
            )
        )
    QueueMemberState.objects.bulk_create(rows)
    lost = [
        m
        for m in RosterMember.objects.filter(switchboard=switchboard, removed_at=None)
        if (m.queue, m.interface) not in seen
    ]
    RosterMember.objects.filter(pk__in=[m.pk for m in lost]).update(removed_at=now, removed_because="lost")
    return lost


def connected(switchboard_id: int, now) -> None:
    Switchboard.objects.filter(pk=switchboard_id).update(connected_since=now, alive_at=now, last_error="")


def alive(switchboard_id: int, now) -> None:
    Switchboard.objects.filter(pk=switchboard_id).update(alive_at=now)


def disconnected(switchboard_id: int, error: str) -> None:
    Switchboard.objects.filter(pk=switchboard_id).update(connected_since=None, last_error=error[:255])
