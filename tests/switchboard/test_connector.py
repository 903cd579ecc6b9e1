"""The connector against a fake Asterisk at the wire: the queue follows the roster, the
switchboard's events become check-ins, call records and escalations, live."""

import datetime
import signal
import sys

import pytest
from django.core.management import CommandError, call_command

from hotline.calls import import_calls
from hotline.models import CallRecord
from roster.models import Assignment, Escalation, Notification
from switchboard.models import RosterMember
from tests import workers
from tests.factories import AssignmentFactory
from tests.switchboard.conftest import QUEUE, eventually, shift_with

pytestmark = pytest.mark.django_db(transaction=True)


def names(running):
    return {fields["Name"] for fields in running.server.queues.get(QUEUE, {}).values()}


def test_the_queue_follows_the_roster_through_a_shift_a_swap_and_its_end(running, world):
    line, (an, binh, _cuong), _switchboard = world
    running.server.member(QUEUE, "PJSIP/299", "Tổ trưởng")  # a static member, the PBX's own
    shift = shift_with(line, [an], running.clock() + datetime.timedelta(hours=1))
    running.start_connector()
    eventually(lambda: running.server.logins == 1, what="login")
    assert running.server.interfaces(QUEUE) == {"PJSIP/299"}

    running.clock.advance(hours=1, minutes=1)  # the shift begins
    eventually(lambda: "PJSIP/201" in running.server.interfaces(QUEUE), what="the agent's QueueAdd")
    assert "Nguyễn Văn An" in names(running)
    # Put in the queue by the roster, not present: nobody is checked in by our own QueueAdd.
    assert Assignment.objects.get(agent=an).status == Assignment.Status.ASSIGNED

    # A hand-made change mid-shift: Bình takes An's place.
    Assignment.objects.filter(agent=an).delete()
    AssignmentFactory(shift=shift, agent=binh)
    eventually(lambda: running.server.interfaces(QUEUE) == {"PJSIP/299", "PJSIP/202"}, what="the swap")

    # Someone takes Bình out on the PBX by hand: the roster puts her back.
    running.server.queues[QUEUE].pop("PJSIP/202")
    running.emit(Event="QueueMemberRemoved", Queue=QUEUE, Interface="PJSIP/202", MemberName="Trần Thị Bình")
    eventually(lambda: RosterMember.objects.filter(removed_because="removed on the switchboard").exists())
    eventually(lambda: "PJSIP/202" in running.server.interfaces(QUEUE), what="Bình put back")

    running.clock.advance(hours=8, minutes=10)  # within the handover after the end
    running.clock.advance(minutes=0)
    assert "PJSIP/202" in running.server.interfaces(QUEUE)
    running.clock.advance(minutes=6)
    eventually(lambda: running.server.interfaces(QUEUE) == {"PJSIP/299"}, what="the removal after the handover")
    # The connector records a removal once the switchboard has answered it.
    expected = {
        ("PJSIP/201", "off duty"),
        ("PJSIP/202", "removed on the switchboard"),
        ("PJSIP/202", "off duty"),
    }
    eventually(
        lambda: {(m.interface, m.removed_because) for m in RosterMember.objects.all()} == expected,
        what="the removals recorded",
    )


def test_a_lost_connection_is_reconnected_and_reconciled(running, world):
    line, (an, binh, _cuong), _switchboard = world
    running.server.member(QUEUE, "PJSIP/299", "Tổ trưởng")
    shift = shift_with(line, [an], running.clock() - datetime.timedelta(minutes=5))
    running.start_connector()
    eventually(lambda: "PJSIP/201" in running.server.interfaces(QUEUE), what="the agent's QueueAdd")

    running.call(running.server.drop())
    # While the connection is down the roster changes, and someone logs in on the PBX.
    Assignment.objects.filter(agent=an).delete()
    AssignmentFactory(shift=shift, agent=binh)
    running.server.member(QUEUE, "PJSIP/250", "Ngô Thị Lan", membership="dynamic")

    eventually(lambda: running.server.logins == 2, what="the reconnection")
    eventually(
        lambda: running.server.interfaces(QUEUE) == {"PJSIP/299", "PJSIP/250", "PJSIP/202"},
        what="the reconciliation",
    )
    asked = [action["Action"] for action in running.server.actions]
    assert asked.count("QueueStatus") == 2
    # The connector records the removal once the switchboard has answered it.
    eventually(
        lambda: RosterMember.objects.get(interface="PJSIP/201").removed_because == "off duty",
        what="An's removal recorded",
    )


def test_a_caller_with_nobody_logged_in_raises_the_escalation_at_once(running, world):
    line, (an, _binh, _cuong), _switchboard = world
    # The shift began two minutes ago: the beat would wait out the check-in grace (and it is not running).
    shift = shift_with(line, [an], running.clock() - datetime.timedelta(minutes=2))
    running.server.device_status["PJSIP/201"] = "5"  # An's phone is not registered
    running.start_connector()
    eventually(lambda: "PJSIP/201" in running.server.interfaces(QUEUE), what="the agent's QueueAdd")
    eventually(lambda: RosterMember.objects.exists(), what="the record of the addition")

    at = running.clock().timestamp()
    running.emit(Event="QueueCallerJoin", Queue=QUEUE, Uniqueid="1733450000.11", CallerIDNum="0912345678", Timestamp=at)
    eventually(lambda: Escalation.objects.filter(shift=shift).exists(), what="the escalation")
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION, agent=an).exists()

    running.emit(Event="QueueCallerAbandon", Queue=QUEUE, Uniqueid="1733450000.11", HoldTime="30", Timestamp=at + 30)
    running.emit(Event="QueueCallerAbandon", Queue=QUEUE, Uniqueid="1733450000.11", HoldTime="30", Timestamp=at + 30)
    eventually(lambda: CallRecord.objects.exists(), what="the call record")
    call = CallRecord.objects.get()
    assert (call.source_id, call.outcome, call.wait_seconds) == ("1733450000.11", "abandoned", 30)
    assert Escalation.objects.count() == 1


def test_calls_are_recorded_live_once_and_the_days_queue_log_adds_nothing(running, world):
    line, (an, _binh, cuong), _switchboard = world
    shift_with(line, [an, cuong], running.clock() - datetime.timedelta(minutes=5))
    running.start_connector()
    eventually(lambda: RosterMember.objects.count() == 2, what="the agents' QueueAdd")
    added_at = RosterMember.objects.get(interface="PJSIP/201").added_at.timestamp()

    at = running.clock().timestamp()
    script = [
        {"Event": "QueueCallerJoin", "Queue": QUEUE, "Uniqueid": "1733450100.7", "CallerIDNum": "0912345678"},
        {
            "Event": "AgentConnect",
            "Queue": QUEUE,
            "Uniqueid": "1733450100.7",
            "Interface": "PJSIP/203",
            "HoldTime": "8",
        },
        {
            "Event": "AgentComplete",
            "Queue": QUEUE,
            "Uniqueid": "1733450100.7",
            "Interface": "PJSIP/203",
            "HoldTime": "8",
            "TalkTime": "95",
            "Reason": "caller",
        },
    ]
    times = [at, at + 8, at + 103]
    for event, moment in [*zip(script, times, strict=True), *zip(script, times, strict=True)]:  # each twice
        running.emit(**event, Timestamp=f"{moment:.6f}")
    eventually(lambda: CallRecord.objects.exists(), what="the call record")
    eventually(lambda: not running.switchboard.waiting_calls.exists(), what="the call's end")
    call = CallRecord.objects.get()
    assert (call.outcome, call.wait_seconds, call.talk_seconds, call.agent_extension) == ("answered", 8, 95, "203")
    # Cường picks up his own login on the phone: that checks him in; An's QueueAdd did not.
    running.emit(Event="QueueMemberPause", Queue=QUEUE, Interface="PJSIP/203", Paused="0", Timestamp=at + 200)
    eventually(lambda: Assignment.objects.get(agent=cuong).status == Assignment.Status.CHECKED_IN, what="check-in")
    assert Assignment.objects.get(agent=an).status == Assignment.Status.ASSIGNED

    queue_log = [
        f"{added_at:.0f}|NONE|{QUEUE}|Nguyễn Văn An|ADDMEMBER|",
        f"{at:.0f}|1733450100.7|{QUEUE}|NONE|ENTERQUEUE||0912345678|1",
        f"{at + 8:.0f}|1733450100.7|{QUEUE}|PJSIP/203|CONNECT|8|1733450108.9|2",
        f"{at + 103:.0f}|1733450100.7|{QUEUE}|PJSIP/203|COMPLETECALLER|8|95|1",
    ]
    result = import_calls(queue_log, "asterisk-queue-log", hotline=line.hotline)
    assert (result.imported, result.duplicate) == (0, 1)
    assert CallRecord.objects.count() == 1
    assert Assignment.objects.get(agent=an).status == Assignment.Status.ASSIGNED


def test_a_refused_login_ends_the_command_with_exit_code_1(running, world):
    number = world[0].hotline.number
    with pytest.raises(CommandError) as refused:
        call_command(
            "switchboard", "--hotline", number, "--ami", f"127.0.0.1:{running.port}", "--username", "x", "--secret", "y"
        )
    assert refused.value.returncode == 1


@workers.needs_services
def test_the_command_connects_and_ends_with_exit_code_0_on_sigterm(running, world):
    number = world[0].hotline.number
    command = [sys.executable, "manage.py", "switchboard", "--hotline", number]
    command += ["--ami", f"127.0.0.1:{running.port}", "--username", "trucban", "--secret", "s3cret"]
    process = workers.spawn(command, None, SWITCHBOARD_POLL_SECONDS="0.1")
    try:
        eventually(lambda: running.server.logins == 1, timeout=20, what="the command's login")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        workers.kill(process)
