"""The calls page (metrics by hour and shift, missed calls, upload) and the monthly report."""

import datetime
import io

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
    rows = {row[1]: row for row in sheet.iter_rows(min_row=4, max_row=6, values_only=True)}
    assert rows["2"][4:7] == (2, 1, 1)
    assert rows["2"][9] > 0  # hours needing staff this month
