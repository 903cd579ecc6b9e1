"""A call an agent transfers: live (Asterisk 11's Transfer, 12+'s BlindTransfer) and from queue_log's
TRANSFER lines, the same answered call record once."""

import datetime

import pytest

from hotline.calls import import_calls
from hotline.models import CallRecord
from switchboard.events import handle_events
from tests.switchboard.conftest import QUEUE

pytestmark = pytest.mark.django_db


def test_an_asterisk_11_attended_transfer_ends_the_call_and_its_queue_log_adds_nothing(world):
    line, _agents, switchboard = world
    at = datetime.datetime.now(datetime.UTC).timestamp()
    events = [
        {"Event": "Join", "Queue": QUEUE, "Uniqueid": "1733.20", "CallerIDNum": "0912345678", "Timestamp": at},
        {"Event": "AgentConnect", "Queue": QUEUE, "Uniqueid": "1733.20", "Member": "SIP/201", "Holdtime": "5"},
        # Only the agent's channels are named: the consultation call is the target.
        {
            "Event": "Transfer",
            "TransferType": "Attended",
            "Channel": "SIP/201-0000000a",
            "Uniqueid": "1733.21",
            "TargetChannel": "SIP/201-0000000c",
            "TargetUniqueid": "1733.24",
        },
    ]
    events[1]["Timestamp"], events[2]["Timestamp"] = at + 5, at + 65
    assert handle_events(switchboard, events) == 3
    call = CallRecord.objects.get()
    assert (call.outcome, call.wait_seconds, call.talk_seconds, call.agent_extension) == ("answered", 5, 60, "201")
    assert not switchboard.waiting_calls.exists()

    queue_log = [
        f"{at:.0f}|1733.20|{QUEUE}|NONE|ENTERQUEUE||0912345678|1",
        f"{at + 5:.0f}|1733.20|{QUEUE}|SIP/201|CONNECT|5|1733.21|2",
        f"{at + 65:.0f}|1733.20|{QUEUE}|SIP/201|TRANSFER|2002|from-internal|5|60|1",
    ]
    result = import_calls(queue_log, "asterisk-queue-log", hotline=line.hotline)
    assert (result.imported, result.duplicate) == (0, 1)


def test_a_blind_transfer_followed_by_its_agent_complete_is_one_call(world):
    _line, _agents, switchboard = world
    at = datetime.datetime.now(datetime.UTC).timestamp()
    call = {"Queue": QUEUE, "Uniqueid": "1733.30", "Interface": "PJSIP/203"}
    handle_events(
        switchboard,
        [
            {"Event": "QueueCallerJoin", **call, "Timestamp": at},
            {"Event": "AgentConnect", **call, "HoldTime": "8", "Timestamp": at + 8},
            {"Event": "BlindTransfer", "Result": "Fail", "TransfereeUniqueid": "1733.30", "Timestamp": at + 20},
        ],
    )
    assert not CallRecord.objects.exists()  # a failed transfer leaves the agent on the call
    transfer = {
        "Event": "BlindTransfer",
        "Result": "Success",
        "TransfererChannel": "PJSIP/203-00000011",
        "TransfereeUniqueid": "1733.30",
        "Extension": "2002",
        "Timestamp": at + 48,
    }
    complete = {"Event": "AgentComplete", **call, "HoldTime": "8", "TalkTime": "40", "Reason": "transfer"}
    handle_events(switchboard, [transfer, {**complete, "Timestamp": at + 48}])
    call = CallRecord.objects.get()
    assert (call.outcome, call.wait_seconds, call.talk_seconds, call.agent_extension) == ("answered", 8, 40, "203")


def test_queue_log_transfers_whose_start_is_in_an_earlier_file_are_read(world):
    line = world[0]
    at = datetime.datetime.now(datetime.UTC).timestamp()
    queue_log = [
        f"{at:.0f}|1733.40|{QUEUE}|PJSIP/201|BLINDTRANSFER|2002|from-internal|12|90|1",
        f"{at:.0f}|1733.41|{QUEUE}|PJSIP/202|ATTENDEDTRANSFER|LINK|PJSIP/202-1|PJSIP/204-2|7|30|2",
        f"{at:.0f}|1733.42|{QUEUE}|PJSIP/203|ATTENDEDTRANSFER|BRIDGE|5a1b-bridge|3|15|1",
    ]
    result = import_calls(queue_log, "asterisk-queue-log", hotline=line.hotline)
    assert (result.imported, result.rejected) == (3, [])
    calls = CallRecord.objects.order_by("source_id")
    assert [(c.outcome, c.wait_seconds, c.talk_seconds, c.agent_extension) for c in calls] == [
        ("answered", 12, 90, "201"),
        ("answered", 7, 30, "202"),
        ("answered", 3, 15, "203"),
    ]
