"""The hours report: hours, night, weekend and public-holiday hours per agent, and its CSV."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from roster.hours import AgentHours, split
from roster.models import PublicHoliday

TZ = timezone.get_fixed_timezone(7 * 60)


def at(day, hour):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def test_a_saturday_night_shift_into_a_holiday_sunday():
    saturday = datetime.date(2026, 8, 29)  # the Sunday after is made a holiday below
    row = AgentHours(agent=None)
    split(
        at(saturday, 19),
        at(saturday, 19) + datetime.timedelta(hours=12),
        saturday,
        saturday + datetime.timedelta(1),
        {saturday + datetime.timedelta(1)},
        row,
    )
    assert row.hours == 12
    assert row.night_hours == 8  # 22:00–06:00
    assert row.weekend_hours == 12
    assert row.holiday_hours == 7  # Sunday 00:00–07:00


def test_only_the_part_inside_the_period_counts():
    day = datetime.date(2026, 3, 2)
    row = AgentHours(agent=None)
    split(at(day, 19), at(day, 19) + datetime.timedelta(hours=12), day, day, set(), row)
    assert row.hours == 5
    assert row.night_hours == 2


@pytest.mark.parametrize("username", ["director", "operator"])
def test_the_report_lists_the_managers_agents(login, username):
    response = login(username).get("/reports/hours/")
    assert response.status_code == 200
    assert 'data-table="hours"' in response.content.decode()


def test_agents_may_not_see_the_report(login):
    assert login("agent").get("/reports/hours/").status_code == 403


def test_the_csv_has_a_bom_and_a_row_an_agent(login):
    today = timezone.localdate()
    PublicHoliday.objects.get_or_create(date=today, defaults={"name": "Test"})
    query = f"start={today}&end={today + datetime.timedelta(days=6)}&format=csv"
    response = login("director").get(f"/reports/hours/?{query}")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Họ và tên"
    worked = [r for r in rows[1:] if number(r[4]) > 0]
    assert worked
    assert sum(number(r[4]) for r in rows[1:]) >= 7 * 24  # line 2 is staffed round the clock
    assert sum(number(r[7]) for r in rows[1:]) >= 24  # today is a holiday here


def number(text):
    """A number as the Vietnamese CSV writes it (a decimal comma)."""
    return float(text.replace(",", "."))


@pytest.mark.parametrize(
    ("language", "header", "hours"),
    [
        ("vi", "Họ và tên;Điện thoại;Đơn vị;Số ca;Giờ trực;Giờ trực đêm;", ";12,00;"),
        ("en", "Full name,Phone,Unit,Shifts,Hours,Night hours,", ",12.00,"),
    ],
)
def test_the_csv_is_written_for_excel_in_the_pages_language(login, language, header, hours):
    """A Vietnamese Excel splits cells at ';' and reads "12,00" as a number; an English one
    splits at ',' and reads "12.00". The column names are in the page's language too."""
    client = login("director")
    client.cookies["django_language"] = language
    today = timezone.localdate()
    response = client.get(f"/reports/hours/?start={today}&end={today + datetime.timedelta(days=6)}&format=csv")
    assert response.content.startswith(("\ufeff" + header).encode())
    assert hours.encode() in response.content  # a 12-hour shift of line 2


def test_the_xlsx_is_the_signed_summary_with_hours_as_numbers(login):
    today = timezone.localdate()
    query = f"start={today}&end={today + datetime.timedelta(days=6)}&format=xlsx"
    response = login("director").get(f"/reports/hours/?{query}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == f"Giờ trực {today:%d.%m}-{today + datetime.timedelta(days=6):%d.%m.%Y}"
    texts = {cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    heading = {"TRUNG TÂM KIỂM SOÁT BỆNH TẬT TỈNH CÀ MAU", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}
    assert heading | {"BẢNG TỔNG HỢP GIỜ TRỰC", "Nơi nhận:", "Nguyễn Văn Minh"} <= texts
    agents = [row for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert [row[0] for row in agents] == list(range(1, len(agents) + 1))
    assert sum(row[5] for row in agents) >= 7 * 24  # hours are numbers: line 2 is staffed round the clock
    assert sheet.page_setup.fitToWidth == 1 and sheet.print_title_rows


def test_the_xlsx_stays_in_vietnamese_for_an_english_screen(login):
    # It is signed and filed: like its heading, its columns do not follow the screen.
    client = login("director")
    client.cookies["django_language"] = "en"
    today = timezone.localdate()
    response = client.get(f"/reports/hours/?start={today}&end={today + datetime.timedelta(days=6)}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert ("STT", "Họ và tên", "Điện thoại", "Đơn vị", "Số ca", "Giờ trực", "Giờ trực đêm") in [r[:7] for r in rows]


def test_a_bad_period_is_a_form_error(login):
    response = login("director").get("/reports/hours/?start=2026-03-10&end=2026-03-01")
    assert response.status_code == 400


def test_the_report_takes_a_whole_month(login):
    response = login("director").get("/reports/hours/?month=2026-11")
    page = response.content.decode()
    assert 'value="01/11/2026"' in page and 'value="30/11/2026"' in page
    assert '<option value="2026-11" selected>Tháng 11/2026</option>' in page
