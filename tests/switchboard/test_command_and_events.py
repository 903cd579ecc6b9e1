"""The command's arguments and replays, and the events handled without a live connection."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from hotline.models import CallRecord
from roster.models import Assignment, Escalation, Notification, PresenceEvent
from switchboard.events import handle_events
from tests.factories import AgentFactory, LineFactory
from tests.switchboard.conftest import QUEUE, shift_with

pytestmark = pytest.mark.django_db


def test_bad_arguments_end_with_exit_code_2(world):
    with pytest.raises(CommandError) as bad:
        call_command("switchboard", "--hotline", "0290.1022", "--ami", "nowhere", "--username", "u")
    assert bad.value.returncode == 2
    with pytest.raises(CommandError) as unknown:
        call_command("switchboard", "--hotline", "0000.0000")
    assert unknown.value.returncode == 2


def test_without_a_configured_switchboard_the_command_has_nothing_to_do(capsys):
    call_command("switchboard")
    assert "nothing to do" in capsys.readouterr().out


def test_a_captured_event_log_replays_once(world, tmp_path, capsys):
    line = world[0]
    log = tmp_path / "ami.log"
    log.write_text(
        "Event: QueueCallerJoin\r\nQueue: cm1022-2\r\nUniqueid: 1733000000.1\r\nTimestamp: 1733000000.0\r\n\r\n"
        "Event: QueueCallerAbandon\r\nQueue: cm1022-2\r\nUniqueid: 1733000000.1\r\nHoldTime: 12\r\n"
        "Timestamp: 1733000012.0\r\n\r\n"
    )
    call_command("switchboard", "--hotline", line.hotline.number, "--replay", str(log))
    call_command("switchboard", "--hotline", line.hotline.number, "--replay", str(log))
    call = CallRecord.objects.get()
    assert (call.outcome, call.wait_seconds) == ("abandoned", 12)
    assert not Escalation.objects.exists()


def test_a_caller_waiting_past_the_target_raises_the_escalation_with_members_present(world):
    line, (an, _binh, _cuong), switchboard = world
    shift = shift_with(line, [an], datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=3))
    joined = datetime.datetime.now(datetime.UTC)
    member = {"Event": "QueueMemberAdded", "Queue": QUEUE, "Interface": "PJSIP/299", "Status": "1", "Paused": "0"}
    join = {"Event": "QueueCallerJoin", "Queue": QUEUE, "Uniqueid": "1733.5", "Timestamp": str(joined.timestamp())}
    handle_events(switchboard, [member, join], now=joined)
    assert not Escalation.objects.exists()  # someone is there to answer
    handle_events(switchboard, [], now=joined + datetime.timedelta(seconds=19))
    assert not Escalation.objects.exists()
    handle_events(switchboard, [], now=joined + datetime.timedelta(seconds=21))  # the line's target is 20 s
    assert Escalation.objects.get().shift == shift
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION).exists()


def test_a_caller_who_leaves_unanswered_is_recorded_as_timed_out(world):
    _line, _agents, switchboard = world
    at = datetime.datetime.now(datetime.UTC)
    join = {"Event": "QueueCallerJoin", "Queue": QUEUE, "Uniqueid": "1733.6", "Timestamp": str(at.timestamp())}
    leave = {"Event": "QueueCallerLeave", "Queue": QUEUE, "Uniqueid": "1733.6", "Timestamp": str(at.timestamp() + 60)}
    other = {"Event": "QueueCallerJoin", "Queue": "another-queue", "Uniqueid": "1733.7"}
    assert handle_events(switchboard, [join, leave, other], now=at + datetime.timedelta(seconds=60)) == 2
    assert not CallRecord.objects.exists()  # an AgentConnect may still be on its way
    handle_events(switchboard, [], now=at + datetime.timedelta(seconds=70))
    call = CallRecord.objects.get()
    assert (call.source_id, call.outcome, call.wait_seconds) == ("1733.6", "timed_out", 60)


def test_an_agents_own_login_checks_them_in_and_their_logout_is_recorded(world):
    line, (an, binh, _cuong), switchboard = world
    now = datetime.datetime.now(datetime.UTC)
    shift_with(line, [an, binh], now - datetime.timedelta(minutes=3))
    login = {"Event": "QueueMemberAdded", "Queue": QUEUE, "Interface": "PJSIP/201", "Status": "1", "Paused": "0"}
    handle_events(switchboard, [login], now=now)
    assert Assignment.objects.get(agent=an).status == Assignment.Status.CHECKED_IN
    handle_events(switchboard, [{"Event": "AgentLogin", "Agent": "202", "Channel": "PJSIP/202-0000001"}], now=now)
    assert Assignment.objects.get(agent=binh).status == Assignment.Status.CHECKED_IN
    logout = {"Event": "QueueMemberRemoved", "Queue": QUEUE, "Interface": "PJSIP/201"}
    handle_events(switchboard, [logout], now=now + datetime.timedelta(minutes=1))
    assert PresenceEvent.objects.filter(assignment__agent=an, event=PresenceEvent.Event.LOGOUT).exists()


def test_an_asterisk_11_call_is_read_alike(world):
    _line, _agents, switchboard = world
    at = datetime.datetime.now(datetime.UTC).timestamp()
    events = [
        {"Event": "Join", "Queue": QUEUE, "Uniqueid": "1733.9", "CallerIDNum": "0912345678", "Timestamp": at},
        {"Event": "AgentConnect", "Queue": QUEUE, "Uniqueid": "1733.9", "Member": "SIP/201", "Holdtime": "5"},
        {"Event": "AgentComplete", "Queue": QUEUE, "Uniqueid": "1733.9", "Member": "SIP/201", "TalkTime": "60"},
    ]
    events[1]["Timestamp"], events[2]["Timestamp"] = at + 5, at + 65
    handle_events(switchboard, events)
    call = CallRecord.objects.get()
    assert (call.outcome, call.wait_seconds, call.talk_seconds, call.agent_extension) == ("answered", 5, 60, "201")


def test_a_long_wait_on_a_shift_whose_agents_all_checked_in_raises_no_escalation(world):
    # docs/switchboard.md, "What the escalation cannot say": nobody is missing to name.
    line, (an, _binh, _cuong), switchboard = world
    joined = datetime.datetime.now(datetime.UTC)
    shift_with(line, [an], joined - datetime.timedelta(minutes=3))
    Assignment.objects.get(agent=an).check_in(now=joined - datetime.timedelta(minutes=2))
    join = {"Event": "QueueCallerJoin", "Queue": QUEUE, "Uniqueid": "1733.10", "Timestamp": str(joined.timestamp())}
    handle_events(switchboard, [join], now=joined)  # and nobody present in the queue
    handle_events(switchboard, [], now=joined + datetime.timedelta(seconds=60))
    assert not Escalation.objects.exists()
    assert switchboard.waiting_calls.get().escalated  # decided once, not asked again every tick


def test_an_agent_login_reaches_only_the_agents_of_the_switchboards_own_hotline(world):
    line, (an, _binh, _cuong), switchboard = world
    now = datetime.datetime.now(datetime.UTC)
    elsewhere = LineFactory(hotline__number="0291.1022", digit="1", queue="bl1022-1")
    namesake = AgentFactory(unit=elsewhere.unit, full_name="Bùi Văn An", extension="201", lines=[elsewhere])
    shift_with(line, [an], now - datetime.timedelta(minutes=3))
    shift_with(elsewhere, [namesake], now - datetime.timedelta(minutes=3))
    handle_events(switchboard, [{"Event": "AgentLogin", "Agent": "201"}], now=now)
    assert Assignment.objects.get(agent=an).status == Assignment.Status.CHECKED_IN
    assert Assignment.objects.get(agent=namesake).status == Assignment.Status.ASSIGNED
