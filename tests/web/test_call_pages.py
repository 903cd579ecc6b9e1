"""The calls page (metrics by hour and shift, missed calls, upload) and the monthly report."""

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from hotline import metrics
from hotline.models import CallRecord, Line


def call(line, start, answered_after=None, n=0):
    return CallRecord.objects.create(
        hotline=line.hotline,
        line=line,
        source_id=f"c{start.timestamp()}-{n}",
        started_at=start,
        answered_at=start + datetime.timedelta(seconds=answered_after) if answered_after is not None else None,
        ended_at=start + datetime.timedelta(minutes=3),
        wait_seconds=answered_after if answered_after is not None else 60,
        outcome="answered" if answered_after is not None else "abandoned",
    )


def nine_am(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def test_metrics_on_a_hand_checked_day(demo):
    line = Line.objects.get(digit="2")
    day = timezone.localdate() - datetime.timedelta(days=1)
    call(line, nine_am(day), 10, 1)  # within 20 s
    call(line, nine_am(day), 30, 2)  # answered late
    call(line, nine_am(day), None, 3)  # missed
    call(line, nine_am(day) + datetime.timedelta(hours=5), 5, 4)
    hours = metrics.by_hour(line, day)
    nine = hours[9]
    assert (nine.offered, nine.answered, nine.missed) == (3, 2, 1)
    assert nine.service_level == pytest.approx(1 / 3)
    assert nine.asa_seconds == 20
    assert hours[14].offered == 1
    assert metrics.total(hours).answer_rate == pytest.approx(3 / 4)


def test_the_calls_page_shows_lines_shifts_and_missed_calls(login, django_assert_max_num_queries):
    line = Line.objects.get(digit="2")
    today = timezone.localdate()
    call(line, nine_am(today), None)
    client = login("director")
    with django_assert_max_num_queries(30):
        response = client.get(f"/calls/?day={today}")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-line="2"' in page and 'data-line="1"' not in page
    assert "data-missed>1<" in page
    assert "chart.umd.min.js" in page


def test_uploading_a_queue_log_on_the_page(login):
    t0 = int(nine_am(timezone.localdate()).timestamp())
    log = f"{t0}|c1|cm1022-2|NONE|ENTERQUEUE||0912345678|1\n{t0 + 30}|c1|cm1022-2|NONE|ABANDON|1|1|30\n"
    response = login("director").post(
        "/calls/", {"file": SimpleUploadedFile("queue_log", log.encode()), "format": "asterisk-queue-log"}
    )
    assert "data-import-result" in response.content.decode()
    assert CallRecord.objects.get(source_id="c1").missed


def test_a_director_cannot_upload_into_another_units_line(login):
    t0 = int(nine_am(timezone.localdate()).timestamp())
    log = f"{t0}|c1|cm1022-1|NONE|ENTERQUEUE||0912345678|1\n{t0 + 30}|c1|cm1022-1|NONE|ABANDON|1|1|30\n"
    response = login("director").post(
        "/calls/", {"file": SimpleUploadedFile("queue_log", log.encode()), "format": "asterisk-queue-log"}
    )
    assert not CallRecord.objects.exists()
    assert "cm1022-1" in response.content.decode()


def test_a_file_over_the_upload_limit_is_refused_and_nothing_imported(login, settings):
    settings.UPLOAD_MAX_MB = 1
    t0 = int(nine_am(timezone.localdate()).timestamp())
    log = f"{t0}|c1|cm1022-2|NONE|ENTERQUEUE||0912345678|1\n{t0 + 30}|c1|cm1022-2|NONE|ABANDON|1|1|30\n"
    client = login("director")
    too_big = log.encode().ljust(1024 * 1024 + 1, b"\n")  # blank lines: a valid queue_log, one byte too many
    response = client.post(
        "/calls/", {"file": SimpleUploadedFile("queue_log", too_big), "format": "asterisk-queue-log"}
    )
    assert response.status_code == 400
    assert "Tệp lớn hơn 1 MB" in response.content.decode()
    assert not CallRecord.objects.exists()

    just_right = log.encode().ljust(1024 * 1024, b"\n")
    client.post("/calls/", {"file": SimpleUploadedFile("queue_log", just_right), "format": "asterisk-queue-log"})
    assert CallRecord.objects.filter(source_id="c1").exists()


def test_an_unreadable_upload_is_a_field_error(login):
    response = login("director").post(
        "/calls/", {"file": SimpleUploadedFile("x.json", b"not json at all"), "format": "json"}
    )
    assert response.status_code == 400


def test_a_rejected_row_on_the_page_names_its_row_and_its_field_in_vietnamese(login):
    record = {
        "id": "c-1",
        "hotline": "0290.1022",
        "line": "2",
        "started_at": "2026-03-01T09:05:00+07:00",
        "ended_at": "2026-03-01T09:00:00+07:00",
    }
    response = login("director").post(
        "/calls/", {"file": SimpleUploadedFile("calls.json", json.dumps(record).encode()), "format": "json"}
    )
    page = response.content.decode()
    assert "Dòng 1: kết thúc lúc: " in page
    assert "ended_at" not in page


def test_agents_do_not_see_calls(login):
    assert login("agent").get("/calls/").status_code == 403
    assert login("agent").get("/reports/calls/").status_code == 403


def test_the_monthly_report_and_its_xlsx(login):
    line = Line.objects.get(digit="2")
    today = timezone.localdate()
    call(line, nine_am(today), 5, 1)
    call(line, nine_am(today), None, 2)
    client = login("operator")
    page = client.get(f"/reports/calls/?month={today:%Y-%m}").content.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
    assert "BÁO CÁO" in page
    assert 'data-line="2"' in page
    response = client.get(f"/reports/calls/?month={today:%Y-%m}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {}
    for row in sheet.iter_rows(values_only=True):
        if row[0] == "0290.1022":
            rows.setdefault(row[1], row)  # the table by line comes before the one by shift
    assert rows["2"][4:7] == (2, 1, 1)
    assert rows["2"][7] == 0.5  # answer rate, shown as a percentage
    assert rows["2"][9] > 0  # hours needing staff this month so far
    texts = {cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert {"VĂN PHÒNG UBND TỈNH CÀ MAU", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Nơi nhận:", "Trần Thanh Hải"} <= texts
    assert sheet.title == f"Báo cáo tháng {today:%m-%Y}"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1


def test_the_monthly_report_has_one_issuer_the_unit_running_the_hotline(login):
    page = login("operator").get("/reports/calls/").content.decode()
    heading = page[page.index('class="heading"') : page.index("<h1>")]
    assert "VĂN PHÒNG UBND TỈNH CÀ MAU" in heading and "Trần Thanh Hải" in page
    assert "SỞ Y TẾ" not in heading and "TRUNG TÂM KIỂM SOÁT" not in heading


def test_calls_outside_every_shift_have_their_own_row_in_the_monthly_report(login):
    line = Line.objects.get(digit="2")
    before_the_roster = timezone.localdate() - datetime.timedelta(days=40)
    call(line, nine_am(before_the_roster), None, 1)
    client = login("operator")
    page = client.get(f"/reports/calls/?month={before_the_roster:%Y-%m}").content.decode()
    row = page[page.index('data-outside-shifts="2"') :].split("</tr>")[0]
    assert "Ngoài ca trực" in row and "<td>1</td><td>1</td>" in row
    response = client.get(f"/reports/calls/?month={before_the_roster:%Y-%m}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert ("0290.1022", "2", "Ngoài ca trực", 1, 1) in [row[:5] for row in rows]


def test_staffing_in_the_monthly_report_counts_only_the_hours_passed(login):
    line = Line.objects.get(digit="2")
    today = timezone.localdate()
    first, last = metrics.month_bounds(today.year, today.month)
    ten_am = metrics.local_day_start(today) + datetime.timedelta(hours=10)
    month = metrics.line_month(line, [], first, last, ten_am)
    assert (month.hours_needing, month.hours_staffed) == ((today - first).days * 24 + 10, 0)
    assert "data-counted-until" in login("operator").get("/reports/calls/").content.decode()


def test_the_monthly_report_picks_its_month_as_thang(login):
    client = login("operator")
    today = timezone.localdate()
    page = client.get("/reports/calls/").content.decode()
    assert f'<option value="{today:%Y-%m}" selected>Tháng {today.month}/{today.year}</option>' in page
    assert 'type="month"' not in page
    page = client.get("/reports/calls/?month=2025-03").content.decode()
    assert '<option value="2025-03" selected>Tháng 3/2025</option>' in page
