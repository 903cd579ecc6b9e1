"""`import_calls FILE --format …` for the three formats of docs/reference.md §6."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hotline.calls import erase_old_callers
from hotline.models import CallRecord
from roster.models import Assignment, PresenceEvent
from tests.factories import AgentFactory, AssignmentFactory, HotlineFactory, LineFactory, ShiftFactory, UnitFactory

T0 = 1772330400  # 2026-03-01 09:00 in Asia/Ho_Chi_Minh


@pytest.fixture
def lines(db):
    hotline = HotlineFactory(number="0290.1022")
    unit = UnitFactory(code="cdc")
    return {
        digit: LineFactory(hotline=hotline, digit=digit, unit=unit, queue=f"cm1022-{digit}") for digit in ("1", "2")
    }


def run(tmp_path, text, fmt, *args):
    path = tmp_path / "calls.txt"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    try:
        call_command("import_calls", str(path), "--format", fmt, *args, stdout=out)
    except CommandError as e:  # manage.py prints it and exits with its returncode
        return e.returncode, out.getvalue()
    return 0, out.getvalue()


QUEUE_LOG = "\n".join(
    [
        f"{T0}|NONE|NONE|NONE|QUEUESTART|",
        f"{T0 + 1}|1772330401.10|cm1022-2|NONE|ENTERQUEUE||0912345678|1",
        f"{T0 + 13}|1772330401.10|cm1022-2|SIP/201|CONNECT|12|1772330413.11|3",
        f"{T0 + 193}|1772330401.10|cm1022-2|SIP/201|COMPLETECALLER|12|180|1",
        f"{T0 + 200}|1772330600.20|cm1022-2|NONE|ENTERQUEUE||0987654321|1",
        # The older layout: ABANDON|position|origposition|waittime
        f"{T0 + 245}|1772330600.20|cm1022-2|NONE|ABANDON|1|1|45",
        f"{T0 + 300}|1772330700.30|cm1022-1|NONE|ENTERQUEUE||0911111111|1",
        f"{T0 + 600}|1772330700.30|cm1022-1|NONE|EXITWITHTIMEOUT|1|1|300",
        f"{T0 + 700}|1772330900.40|cm1022-9|NONE|ENTERQUEUE||0922222222|1",
        "this is not a queue_log line",
        f"{T0 + 800}|1772331000.50|cm1022-2|NONE|ENTERQUEUE||0933333333|1",
    ]
)


def test_queue_log_imports_answered_and_missed_calls(tmp_path, lines):
    code, out = run(tmp_path, QUEUE_LOG, "asterisk-queue-log")

    assert out.splitlines()[0] == "imported 3, duplicate 0, rejected 2"
    assert "line 9: hàng đợi lạ 'cm1022-9'" in out
    assert "line 10:" in out
    assert code == 3
    answered = CallRecord.objects.get(source_id="1772330401.10")
    assert answered.line == lines["2"]
    assert answered.outcome == CallRecord.Outcome.ANSWERED
    assert (answered.wait_seconds, answered.talk_seconds, answered.agent_extension) == (12, 180, "201")
    assert timezone.localtime(answered.started_at).strftime("%H:%M:%S") == "09:00:01"
    abandoned = CallRecord.objects.get(source_id="1772330600.20")
    assert (abandoned.outcome, abandoned.answered_at, abandoned.wait_seconds) == ("abandoned", None, 45)
    assert CallRecord.objects.get(source_id="1772330700.30").outcome == CallRecord.Outcome.TIMED_OUT


def test_a_call_still_open_at_the_end_is_left_for_a_longer_log(tmp_path, lines):
    run(tmp_path, QUEUE_LOG, "asterisk-queue-log")
    assert not CallRecord.objects.filter(source_id="1772331000.50").exists()

    longer = QUEUE_LOG + f"\n{T0 + 830}|1772331000.50|cm1022-2|NONE|ABANDON|1|1|30"
    _code, out = run(tmp_path, longer, "asterisk-queue-log")

    assert out.splitlines()[0] == "imported 1, duplicate 3, rejected 2"
    assert CallRecord.objects.get(source_id="1772331000.50").missed


def test_callers_numbers_are_masked_by_default(tmp_path, lines, settings):
    settings.CALLER_HASH_KEY = "a-key-for-callers-only"
    run(tmp_path, QUEUE_LOG, "asterisk-queue-log")
    call = CallRecord.objects.get(source_id="1772330401.10")
    assert call.caller == "091*****78"
    assert call.caller_hash and "0912345678" not in call.caller_hash


def test_a_reimport_is_all_duplicates(tmp_path, lines):
    run(tmp_path, QUEUE_LOG, "asterisk-queue-log")
    _code, out = run(tmp_path, QUEUE_LOG, "asterisk-queue-log")
    assert out.splitlines()[0] == "imported 0, duplicate 3, rejected 2"
    assert CallRecord.objects.count() == 3


def test_a_file_of_another_format_cannot_be_read(tmp_path, lines):
    code, _out = run(tmp_path, "hello\nworld\n", "asterisk-queue-log")
    assert code == 2
    assert not CallRecord.objects.exists()


CDR = "\n".join(
    [
        # answered through Queue(): the queue is the first field of lastdata; uniqueid follows
        '"","0912345678","1022","from-pstn","""Dan"" <0912345678>","SIP/trunk-0001","SIP/201-0002",'
        '"Queue","cm1022-2,t,,,300","2026-03-01 09:00:00","2026-03-01 09:00:15","2026-03-01 09:03:15",'
        '195,180,"ANSWERED","DOCUMENTATION","1772330400.1",""',
        # not answered, routed by dst, no uniqueid: its id is a SHA-1 of the row
        '"","0987654321","cm1022-1","from-pstn","","SIP/trunk-0003","","Dial","SIP/300","2026-03-01 10:00:00",'
        ',"2026-03-01 10:00:40",40,0,"NO ANSWER","DOCUMENTATION"',
        '"","0987654321","1022","from-pstn","","SIP/trunk-0004","","Queue","nowhere,t","2026-03-01 11:00:00",'
        ',"2026-03-01 11:00:05",5,0,"BUSY","DOCUMENTATION"',
        '"too","few","columns"',
    ]
)


def test_cdr_csv_maps_queue_and_dst_to_lines(tmp_path, lines):
    _code, out = run(tmp_path, CDR, "asterisk-csv")

    assert out.splitlines()[0] == "imported 2, duplicate 0, rejected 2"
    assert "line 3: hàng đợi lạ 'nowhere'" in out
    assert "line 4: 3 columns" in out or "line 4: 3 cột" in out
    answered = CallRecord.objects.get(source_id="1772330400.1")
    assert (answered.line, answered.outcome, answered.talk_seconds, answered.wait_seconds) == (
        lines["2"],
        "answered",
        180,
        15,
    )
    assert timezone.localtime(answered.started_at).hour == 9  # local time, no offset in the file
    missed = CallRecord.objects.get(line=lines["1"])
    assert missed.missed and len(missed.source_id) == 40


def test_cdr_reimport_finds_the_hashed_ids_again(tmp_path, lines):
    run(tmp_path, CDR, "asterisk-csv")
    _code, out = run(tmp_path, CDR, "asterisk-csv")
    assert out.splitlines()[0] == "imported 0, duplicate 2, rejected 2"


def test_a_cdr_file_saved_by_excel_with_semicolons_and_day_first_times_imports(tmp_path, lines):
    # Excel with Vietnamese settings separates the columns by semicolons and writes the
    # times day first; the call is the same one, with the same id.
    row = (
        '"";"0912345678";"1022";"from-pstn";"";"SIP/trunk-0001";"SIP/201-0002";"Queue";"cm1022-2,t,,,300";'
        '01/03/2026 09:00:00;01/03/2026 09:00:15;01/03/2026 09:03:15;195;180;"ANSWERED";"DOCUMENTATION";'
        '"1772330400.1";""'
    )
    assert run(tmp_path, row + "\n", "asterisk-csv") == (0, "imported 1, duplicate 0, rejected 0\n")
    answered = CallRecord.objects.get(source_id="1772330400.1")
    assert (answered.line, answered.talk_seconds, answered.wait_seconds) == (lines["2"], 180, 15)
    assert timezone.localtime(answered.started_at) == timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 0))


def record(**fields):
    return {
        "id": "c-1",
        "hotline": "0290.1022",
        "line": "2",
        "started_at": "2026-03-01T09:00:00+07:00",
        "answered_at": "2026-03-01T09:00:20+07:00",
        "ended_at": "2026-03-01T09:05:00+07:00",
        "caller": "0912345678",
        "agent_extension": "201",
        **fields,
    }


def test_json_records_and_bad_ones_by_line(tmp_path, lines):
    records = [record(), record(id="c-2", answered_at=None), record(id="c-3", line="7")]
    text = "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n"
    code, out = run(tmp_path, text, "json")
    assert out.splitlines()[0] == "imported 2, duplicate 0, rejected 1"
    assert out.splitlines()[1].startswith("line 4: line:")
    assert code == 3
    assert CallRecord.objects.get(source_id="c-2").missed


def test_a_record_with_several_problems_names_them_in_one_sentence(tmp_path, lines):
    bad = record(id="c-9", line="7", started_at="31/02/2026", caller=5)
    _, out = run(tmp_path, json.dumps([bad]), "json")
    why = out.splitlines()[1]
    assert why.startswith("line 1: ") and why.count("; ") >= 2
    # Each message's own full stop goes; joined they would read "….; …".
    assert ".;" not in why


def test_json_lines_work_too(tmp_path, lines):
    text = json.dumps(record()) + "\n" + json.dumps(record(id="c-2")) + "\n"
    assert run(tmp_path, text, "json") == (0, "imported 2, duplicate 0, rejected 0\n")


def test_broken_json_cannot_be_read(tmp_path, lines):
    code, _out = run(tmp_path, '[{"id": "c-1", ', "json")
    assert code == 2


def test_a_switchboard_login_checks_the_agent_on_duty_in(tmp_path, lines):
    start = datetime.datetime.fromtimestamp(T0, tz=datetime.UTC)
    agent = AgentFactory(extension="201", lines=[lines["2"]])
    assignment = AssignmentFactory(agent=agent, shift=ShiftFactory(line=lines["2"], start=start))
    log = "\n".join(
        [
            f"{T0 - 600}|NONE|cm1022-2|SIP/201|ADDMEMBER|",
            f"{T0 + 3600}|NONE|cm1022-2|SIP/201|PAUSE|lunch",
            f"{T0 + 5400}|NONE|cm1022-2|SIP/201|UNPAUSE|",
        ]
    )
    code, _out = run(tmp_path, log, "asterisk-queue-log")

    assert code == 0
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CHECKED_IN
    assert assignment.checked_in_at == start - datetime.timedelta(minutes=10)
    assert list(assignment.presence_events.values_list("event", flat=True)) == ["login", "pause", "unpause"]

    run(tmp_path, log, "asterisk-queue-log")
    assert PresenceEvent.objects.count() == 3


def test_callers_numbers_are_erased_after_the_retention_period(tmp_path, lines, settings):
    settings.CALLER_RETENTION_DAYS = 30
    run(tmp_path, QUEUE_LOG, "asterisk-queue-log")
    started = datetime.datetime.fromtimestamp(T0, tz=datetime.UTC)
    assert erase_old_callers(started + datetime.timedelta(days=29)) == 0
    assert erase_old_callers(started + datetime.timedelta(days=31)) == 3
    assert set(CallRecord.objects.values_list("caller", "caller_hash")) == {("", "")}


def test_keeping_callers_numbers_is_a_setting(tmp_path, lines, settings):
    settings.CALLER_NUMBERS = "keep"
    run(tmp_path, QUEUE_LOG, "asterisk-queue-log")
    assert CallRecord.objects.get(source_id="1772330401.10").caller == "0912345678"


def test_a_pause_during_a_shift_shows_on_the_dashboard(tmp_path, login):
    from hotline.models import Line

    line = Line.objects.get(digit="2")
    now = timezone.now()
    assignment = Assignment.objects.filter(shift__line=line, is_live=True, start__lte=now, end__gt=now).first()
    assignment.agent.extension = "277"
    assignment.agent.save()
    log = f"{int(now.timestamp()) - 60}|NONE|{line.queue}|SIP/277|PAUSE|lunch\n"
    run(tmp_path, log, "asterisk-queue-log")
    page = login("director").get("/").content.decode()
    assert 'data-switchboard="pause"' in page


def test_a_nul_byte_or_an_overlong_id_is_a_named_rejected_row(tmp_path, lines):
    long_id = "x" * 129
    log = "\n".join(
        [
            f"{T0}|bad\x00id|cm1022-2|NONE|ENTERQUEUE||0912345678|1",
            f"{T0 + 30}|bad\x00id|cm1022-2|NONE|ABANDON|1|1|30",
            f"{T0}|{long_id}|cm1022-2|NONE|ENTERQUEUE||0912345678|1",
            f"{T0 + 30}|{long_id}|cm1022-2|NONE|ABANDON|1|1|30",
            f"{T0}|good|cm1022-2|NONE|ENTERQUEUE||0912345678|1",
            f"{T0 + 30}|good|cm1022-2|NONE|ABANDON|1|1|30",
        ]
    )
    code, out = run(tmp_path, log, "asterisk-queue-log")

    first, nul, long = out.splitlines()
    assert first == "imported 1, duplicate 0, rejected 2"
    assert nul.startswith("line 1: id: ") and "NUL" in nul
    assert long.startswith("line 3: id: ") and "128" in long
    assert code == 3
    assert list(CallRecord.objects.values_list("source_id", flat=True)) == ["good"]


def test_a_call_ending_before_it_starts_or_lasting_forever_is_rejected_not_a_crash(tmp_path, lines):
    log = "\n".join(
        [
            f"{T0 + 100}|backwards|cm1022-2|NONE|ENTERQUEUE||0912345678|1",
            f"{T0}|backwards|cm1022-2|NONE|ABANDON|1|1|30",
            f"{T0}|endless|cm1022-2|SIP/201|COMPLETECALLER|inf|1e300|1",
            f"{T0}|ancient|cm1022-2|NONE|ABANDON|1|1|1e15",
        ]
    )
    code, out = run(tmp_path, log, "asterisk-queue-log")

    assert code == 3
    assert out.splitlines()[0] == "imported 0, duplicate 0, rejected 3"
    assert out.splitlines()[1].startswith("line 1: ended_at: ")
    assert not CallRecord.objects.exists()


CDR_ROW = (
    '"","{src}","1022","from-pstn","","SIP/trunk-0001","SIP/201-0002","Queue","cm1022-2,t,,,300",'
    '"2026-03-01 09:00:00","2026-03-01 09:00:15","{end}",195,180,"ANSWERED","DOCUMENTATION","{uniqueid}",""'
)


def test_cdr_rows_with_a_bad_id_caller_or_time_are_named(tmp_path, lines, settings):
    settings.CALLER_NUMBERS = "keep"
    rows = [
        CDR_ROW.format(src="0912345678", end="2026-03-01 09:03:15", uniqueid="a\x00b"),
        CDR_ROW.format(src="0912\x00345678", end="2026-03-01 09:03:15", uniqueid="c-2"),
        CDR_ROW.format(src="0912345678", end="2026-03-01 09:03:15", uniqueid="9" * 200),
        CDR_ROW.format(src="0912345678", end="2026-03-01 09:03:15+20:00", uniqueid="c-4"),
        CDR_ROW.format(src="0912345678", end="2026-03-01 09:03:15", uniqueid="c-5"),
    ]
    code, out = run(tmp_path, "\n".join(rows), "asterisk-csv")

    lines_out = out.splitlines()
    assert lines_out[0] == "imported 1, duplicate 0, rejected 4"
    assert lines_out[1].startswith("line 1: id: ")
    assert lines_out[2].startswith("line 2: caller: ")
    assert lines_out[3].startswith("line 3: id: ")
    assert lines_out[4].startswith("line 4: ")
    assert code == 3
    assert list(CallRecord.objects.values_list("source_id", "caller")) == [("c-5", "0912345678")]


def test_json_fields_too_long_to_store_are_rejected_not_cut(tmp_path, lines, settings):
    settings.CALLER_NUMBERS = "keep"
    records = [
        record(agent_extension="2" * 33),
        record(id="c-2", caller="+84 (0) 912 345 678 ext. 1234 5678"),
        record(id="c-3", agent_extension="2" * 32),
    ]
    _code, out = run(tmp_path, "\n".join(json.dumps(r) for r in records), "json")

    assert out.splitlines()[0] == "imported 1, duplicate 0, rejected 2"
    assert out.splitlines()[1].startswith("line 1: agent_extension: ")
    assert out.splitlines()[2].startswith("line 2: caller: ")
    assert CallRecord.objects.get().agent_extension == "2" * 32
