"""The switchboard's events turned into Trực Ban's news, the same for AMI and webhooks.

Members' status, pauses and removals say who is in a queue and able to answer; an agent's own
login or unpause checks them in through the very path of the queue_log import (the
`switchboard_agent_event` signal); the events of a call become its call record, under the
caller channel's Uniqueid, the id queue_log gives it, so a later import of the day's file
adds nothing. A queue with a caller waiting and nobody present, or a caller waiting past the
line's target, raises the escalation at once.

Every function here is synchronous and takes a moment: the connector calls them through
sync_to_async, the webhook view directly. Replays and duplicates change nothing twice.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.fields import datetime_problem
from hotline import signals
from hotline.calls import AgentEvent, Call, ImportResult, Queues, extension_of, number, store
from hotline.models import CallRecord, Line
from roster.notifications import escalation, outbox
from roster.tasks import send_notifications
from switchboard.models import QueueMemberState, RosterMember, Switchboard, WaitingCall

logger = logging.getLogger(__name__)

# How long a caller who left the queue unanswered may still turn out answered (AgentConnect
# and QueueCallerLeave are not always in that order) before the call is recorded as timed out.
LEFT_GRACE = datetime.timedelta(seconds=5)
# The QueueMemberRemoved of the connector's own QueueRemove arrives within this.
REMOVAL_ECHO = datetime.timedelta(minutes=1)
# A call whose end never came (a lost event) is forgotten after this long.
FORGET_AFTER = datetime.timedelta(hours=12)

MEMBER_EVENTS = {"QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", "QueueMemberStatus", "QueueMember"}
CALL_EVENTS = {"QueueCallerJoin", "AgentConnect", "AgentComplete", "QueueCallerAbandon", "QueueCallerLeave"}
AGENT_LOGINS = {"AgentLogin": "AGENTLOGIN", "AgentLogoff": "AGENTLOGOFF"}
# An agent's transfer ends the queue's part of a call, answered, as queue_log's TRANSFER,
# BLINDTRANSFER and ATTENDEDTRANSFER lines do. Asterisk 12 and later follow it with an
# AgentComplete (Reason: transfer); Asterisk 11 sends none after an attended transfer, only its
# "Transfer" event, which names the agent's channel and not the caller's.
TRANSFER_EVENTS = {"BlindTransfer", "AttendedTransfer", "Transfer"}
TRANSFERER_CHANNELS = ("Channel", "TransfererChannel", "OrigTransfererChannel", "SecondTransfererChannel")
# Asterisk 11 and older (still under some Issabel and Elastix switchboards) name a few events
# and keys otherwise.
OLD_NAMES = {"Join": "QueueCallerJoin", "Leave": "QueueCallerLeave", "QueueMemberPaused": "QueueMemberPause"}
OLD_KEYS = {"Holdtime": "HoldTime", "Talktime": "TalkTime", "Member": "Interface"}
KNOWN_EVENTS = MEMBER_EVENTS | CALL_EVENTS | TRANSFER_EVENTS | set(AGENT_LOGINS) | set(OLD_NAMES)


def modern(event: dict) -> dict:
    """The event as Asterisk 12 and later name it and its keys."""
    event = {OLD_KEYS.get(key, key): value for key, value in event.items()}
    event["Event"] = OLD_NAMES.get(event.get("Event", ""), event.get("Event", ""))
    return event


def event_time(event: dict, now: datetime.datetime, *, replay=False) -> datetime.datetime:
    """The event's own time (manager.conf `timestampevents = yes`), else when it arrived."""
    try:
        at = datetime.datetime.fromtimestamp(float(event["Timestamp"]), tz=datetime.UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return now
    if datetime_problem(at):
        return now
    # Live, a clock far off is not believed: the call would land on another day.
    return at if replay or abs(at - now) < datetime.timedelta(days=2) else now


def happened_before(event: dict, moment: datetime.datetime) -> bool:
    """Whether the event's own time (Timestamp) is before `moment`; one without a time is not."""
    try:
        return float(event["Timestamp"]) < moment.timestamp()
    except (KeyError, TypeError, ValueError, OverflowError):
        return False


def is_yes(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes")


class Handler:
    """Handles a batch of one switchboard's events; keeps the lines of its queues at hand."""

    def __init__(self, switchboard: Switchboard, now: datetime.datetime, *, replay=False):
        self.switchboard = switchboard
        self.now = now
        self.replay = replay
        self.queues = Queues(switchboard.hotline)
        self.unstaffed: set[int] = set()  # lines to escalate once the batch is handled

    def line(self, queue: str) -> Line | None:
        line = self.queues.line(queue or "")
        return line if isinstance(line, Line) else None

    def handle(self, event: dict) -> bool:
        """Handle one event; False for one that is not ours to read (another queue, another kind)."""
        event = modern(event)
        name = event.get("Event", "")
        if name not in KNOWN_EVENTS:
            return False
        at = event_time(event, self.now, replay=self.replay)
        if name in AGENT_LOGINS:
            # AgentLogin names no queue. Extensions are unique only within one switchboard: the
            # agent is looked for on this hotline's lines, never on another hotline's.
            extension = extension_of(event.get("Agent", ""))
            if not extension or len(extension) > 32 or not extension.isprintable():
                return False
            lines = Line.objects.filter(hotline_id=self.switchboard.hotline_id, agents__extension=extension).distinct()
            for line in lines:
                self.agent_event(at, extension, AGENT_LOGINS[name], line)
            return True
        if name in TRANSFER_EVENTS:
            return self.transfer(event, at)
        line = self.line(event.get("Queue", ""))
        if line is None:
            return False
        if name in MEMBER_EVENTS:
            self.member_event(name, event, at, line)
        else:
            self.call_event(name, event, at, line)
        return True

    # Members ---------------------------------------------------------------------------------

    def member_event(self, name, event, at, line):
        interface = event.get("Interface") or event.get("Location") or event.get("StateInterface") or ""
        if not interface or len(interface) > 128 or not interface.isprintable():
            return
        queue = event["Queue"]
        recorded = RosterMember.objects.filter(switchboard=self.switchboard, queue=queue, interface=interface)
        if name == "QueueMemberRemoved":
            QueueMemberState.objects.filter(switchboard=self.switchboard, queue=queue, interface=interface).delete()
            # One of ours taken out on the switchboard (or by our own QueueRemove, whose record
            # then says why): the next round of the roster puts it back if it is still wanted.
            taken_out = recorded.filter(removed_at__isnull=True).update(
                removed_at=at, removed_because="removed on the switchboard"
            )
            if not taken_out and not recorded.filter(removed_at__gte=at - REMOVAL_ECHO).exists():
                self.agent_event(at, interface, "REMOVEMEMBER", line)  # the agent logged out
            return
        ours = recorded.filter(removed_at__isnull=True).exists()
        fields = {"updated_at": at}
        if "Status" in event:
            fields["status"] = event["Status"][:4]
        if "Paused" in event:
            fields["paused"] = is_yes(event["Paused"])
        if event.get("MemberName") or event.get("Name"):
            fields["member_name"] = (event.get("MemberName") or event.get("Name"))[:200]
        state, created = QueueMemberState.objects.get_or_create(
            switchboard=self.switchboard, queue=queue, interface=interface, defaults=fields
        )
        was_paused = state.paused
        if not created:
            for key, value in fields.items():
                setattr(state, key, value)
            state.save()
        if name == "QueueMemberAdded" and not ours:
            # The agent logged in to the queue themselves (a feature code, the phone's button).
            self.agent_event(at, interface, "ADDMEMBER", line)
        elif name == "QueueMemberPause" or (name == "QueueMemberStatus" and not created and was_paused != state.paused):
            self.agent_event(at, interface, "PAUSE" if state.paused else "UNPAUSE", line)

    def agent_event(self, at, channel, kind, line):
        """The import's own path: hotline.signals → roster.services.switchboard_event."""
        extension = extension_of(channel)
        if not extension:
            return
        event = AgentEvent(row=0, at=at, extension=extension, event=kind, line=line)
        signals.switchboard_agent_event.send(sender=AgentEvent, event=event, lines=None)

    # Calls -----------------------------------------------------------------------------------

    def recorded(self, uniqueid: str) -> bool:
        return CallRecord.objects.filter(hotline_id=self.switchboard.hotline_id, source_id=uniqueid).exists()

    def call_event(self, name, event, at, line):
        uniqueid = (event.get("Uniqueid") or "").strip()
        if not uniqueid or len(uniqueid) > 128 or not uniqueid.isprintable():
            return
        waiting = WaitingCall.objects.filter(switchboard=self.switchboard, uniqueid=uniqueid).first()
        if waiting is None and self.recorded(uniqueid):
            return  # a replay, or a duplicate of a call already ended
        hold = number(event.get("HoldTime"))

        def joined_unseen():
            """A call whose join the connector did not see (it connected later): it joined its hold time ago."""
            return WaitingCall(
                switchboard=self.switchboard,
                line=line,
                uniqueid=uniqueid,
                joined_at=at - datetime.timedelta(seconds=hold or 0),
            )

        if name == "QueueCallerJoin":
            if waiting is None:
                WaitingCall.objects.get_or_create(
                    switchboard=self.switchboard,
                    uniqueid=uniqueid,
                    defaults={"line": line, "joined_at": at, "caller": (event.get("CallerIDNum") or "")[:32]},
                )
                self.unstaffed.add(line.pk)
        elif name == "AgentConnect":
            waiting = waiting or joined_unseen()
            waiting.answered_at = at
            waiting.hold_seconds = hold
            waiting.agent_extension = extension_of(event.get("Interface") or event.get("MemberName") or "")[:32]
            waiting.save()
        elif name == "AgentComplete":
            talk = number(event.get("TalkTime"))
            if waiting is None or waiting.answered_at is None:
                answered = at - datetime.timedelta(seconds=talk or 0)
                joined = waiting.joined_at if waiting else answered - datetime.timedelta(seconds=hold or 0)
                waiting = waiting or WaitingCall(switchboard=self.switchboard, line=line, uniqueid=uniqueid)
                waiting.joined_at, waiting.answered_at, waiting.hold_seconds = joined, answered, hold
                waiting.agent_extension = extension_of(event.get("Interface") or event.get("MemberName") or "")[:32]
            self.finish(waiting, at, CallRecord.Outcome.ANSWERED, talk=talk)
        elif name == "QueueCallerAbandon":
            waiting = waiting or joined_unseen()
            self.finish(waiting, at, CallRecord.Outcome.ABANDONED)
            self.unstaffed.add(line.pk)
        elif name == "QueueCallerLeave" and waiting is not None and waiting.answered_at is None:
            waiting.left_at = at
            waiting.save(update_fields=["left_at"])

    def transfer(self, event, at) -> bool:
        """The answered call an agent transferred ends here. The event names channels by keys of
        its kind (TargetUniqueid, TransfereeUniqueid, …), not the queue: the caller's Uniqueid
        among them finds the call, else the transferring agent's extension does."""
        if event.get("Result", "Success").lower() != "success":
            return False
        answered = WaitingCall.objects.filter(switchboard=self.switchboard, answered_at__isnull=False)
        ids = {value for key, value in event.items() if key.endswith("Uniqueid") and value}
        waiting = answered.filter(uniqueid__in=ids).select_related("line").first()
        if waiting is None:
            extensions = {extension_of(event[key]) for key in TRANSFERER_CHANNELS if event.get(key)} - {""}
            waiting = (
                answered.filter(agent_extension__in=extensions).select_related("line").order_by("-answered_at").first()
            )
        if waiting is None:
            return False  # not a queue's call, or already ended by its AgentComplete
        self.finish(waiting, at, CallRecord.Outcome.ANSWERED)
        return True

    def finish(self, waiting: WaitingCall, at, outcome, talk=None):
        """The call's record, as the file import would store it (the same id: a duplicate
        counts for nothing), and the waiting call forgotten."""
        answered = outcome == CallRecord.Outcome.ANSWERED
        call = Call(
            row=0,
            source_id=waiting.uniqueid,
            line=waiting.line,
            started_at=min(waiting.joined_at, at),
            answered_at=waiting.answered_at if answered else None,
            ended_at=at,
            outcome=outcome,
            caller=waiting.caller,
            agent_extension=waiting.agent_extension if answered else "",
            wait_seconds=waiting.hold_seconds if answered else None,
            talk_seconds=talk,
        )
        if not call.problems():
            store([call], ImportResult())
        if waiting.pk:
            waiting.delete()

    # Escalation ------------------------------------------------------------------------------

    def escalate(self):
        """Lines with a caller waiting (or just given up) and no member present, and lines with a
        caller waiting past the line's target: the escalation of their shift starts now."""
        waiting = WaitingCall.objects.filter(
            switchboard=self.switchboard, answered_at__isnull=True, left_at__isnull=True, escalated=False
        ).select_related("line")
        lines = {}
        for call in waiting:
            if call.joined_at <= self.now - datetime.timedelta(seconds=call.line.target_answer_seconds):
                lines[call.line.pk] = call.line
        unstaffed = list(Line.objects.filter(pk__in=self.unstaffed))
        present = present_queues([self.switchboard], {line.queue for line in unstaffed})
        for line in unstaffed:
            if (self.switchboard.pk, line.queue) not in present:
                lines[line.pk] = line
        if not lines:
            return []
        raised = escalation.raise_escalations(self.now, lines=list(lines.values()))
        WaitingCall.objects.filter(switchboard=self.switchboard, line__in=list(lines), left_at__isnull=True).update(
            escalated=True
        )
        if raised:
            logger.warning(
                "switchboard: nobody answering on %s: escalation raised",
                ", ".join(str(line) for line in lines.values()),
            )
            transaction.on_commit(send_now)
        return raised

    def sweep(self):
        """Callers who left unanswered without a word of why are timed out; calls whose end
        never came are forgotten."""
        for waiting in WaitingCall.objects.filter(
            switchboard=self.switchboard, answered_at__isnull=True, left_at__lte=self.now - LEFT_GRACE
        ).select_related("line"):
            self.finish(waiting, waiting.left_at, CallRecord.Outcome.TIMED_OUT)
        WaitingCall.objects.filter(switchboard=self.switchboard, joined_at__lt=self.now - FORGET_AFTER).delete()


def send_now():
    """The escalation's messages go now, not at the beat's next minute."""
    ids = outbox.due_for_dispatch(timezone.now())
    if ids:
        try:
            send_notifications.delay(ids)
        except Exception:
            # The broker is down: the beat's dispatch recovers these rows (outbox.requeue_stuck).
            logger.exception("switchboard: could not enqueue the escalation's messages")


def present_queues(switchboards, queues) -> set:
    """(switchboard id, queue) of these queues that have a member present (not paused, the
    phone not absent), in one query whatever the number of queues."""
    absent = Q(paused=True) | Q(status__in=QueueMemberState.ABSENT_STATUSES)
    present = QueueMemberState.objects.filter(switchboard__in=switchboards, queue__in=queues).exclude(absent)
    return set(present.values_list("switchboard_id", "queue").distinct())


def handle_events(
    switchboard: Switchboard, events: list[dict], *, now: datetime.datetime | None = None, replay=False
) -> int:
    """Handle a batch of events in order; return how many were ours to read. A replay (a captured
    log, --replay) takes the events' own times, whatever their age, and escalates nothing: the
    callers it tells of are long gone."""
    now = now or timezone.now()
    handler = Handler(switchboard, now, replay=replay)
    handled = 0
    with transaction.atomic():
        for event in events:
            handled += handler.handle(event)
        handler.sweep()
        if not replay:
            handler.escalate()
        if handled:
            Switchboard.objects.filter(pk=switchboard.pk).update(last_event_at=now)
    return handled


def tick(switchboard: Switchboard, *, now: datetime.datetime | None = None) -> None:
    """What the passing of time alone decides: waits past the target, callers who left."""
    handle_events(switchboard, [], now=now)


def added_by_connector(sender, *, event, **kwargs) -> bool:
    """hotline.signals.connector_added_member: whether a queue_log ADDMEMBER is the connector's
    own QueueAdd. queue_log names the member by its MemberName (the agent's full name) or, without
    one, by its interface."""
    if event.line is None:
        return False
    near = (event.at - datetime.timedelta(minutes=2), event.at + datetime.timedelta(minutes=2))
    return (
        RosterMember.objects.filter(line=event.line, added_at__range=near)
        .filter(Q(member_name__startswith=event.extension) | Q(agent__extension=event.extension))
        .exists()
    )
