"""What people type on pages: days as dd/mm/yyyy (or ISO), a day and time, a month, numbers with
a decimal comma and percentages; bad input gets a Vietnamese error."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.utils import timezone

from hotline.fields import DayField, DecimalCommaField, MomentField, MonthField, PercentField
from hotline.forms import LineAdminForm
from tests.factories import LineFactory


class Period(forms.Form):
    day = DayField()
    moment = MomentField(required=False)
    month = MonthField(required=False)


class Figures(forms.Form):
    calls = DecimalCommaField(min_value=0, max_value=10_000, required=False)
    share = PercentField(min_value=0.01, max_value=0.999, required=False)


@pytest.mark.parametrize("typed", ["02/12/2026", "2/12/2026", " 02/12/2026 ", "2026-12-02"])
def test_a_day_is_read_as_dd_mm_yyyy_or_iso(typed):
    form = Period({"day": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == datetime.date(2026, 12, 2)


def test_a_day_from_a_query_string_is_shown_as_dd_mm_yyyy():
    html = str(Period({"day": "2026-12-13"})["day"])
    assert 'value="13/12/2026"' in html
    assert 'placeholder="dd/mm/yyyy"' in html
    assert 'inputmode="numeric"' in html
    assert 'type="text"' in html


@pytest.mark.parametrize("typed", ["12/31/2026", "2 tháng 12", "02-12-2026x"])
def test_a_day_that_is_not_one_says_how_to_type_it(typed):
    form = Period({"day": typed})
    assert not form.is_valid()
    assert form.errors["day"] == ["Hãy nhập ngày theo dạng dd/mm/yyyy, ví dụ 02/12/2026."]


def test_a_day_typed_right_that_the_calendar_lacks_says_so():
    form = Period({"day": "31/02/2026", "moment": "29/2/2026 07:00"})
    assert not form.is_valid()
    assert form.errors["day"] == ["Không có ngày 31/02/2026 trong lịch."]
    assert form.errors["moment"] == ["Không có ngày 29/02/2026 trong lịch."]
    form = Period({"day": "02/12/2026", "moment": "02/12/2026 24:30"})
    assert form.errors["moment"] == ["Hãy nhập giờ từ 00:00 đến 23:59 (tính theo 24 giờ)."]


def test_a_day_outside_this_century_is_refused():
    form = Period({"day": "02/12/1926"})
    assert not form.is_valid()
    assert "2000" in form.errors["day"][0]


@pytest.mark.parametrize("typed", ["02/12/2026 19:00", "2/12/2026 7:05", "2026-12-02T19:00"])
def test_a_day_and_time_is_read_in_24_hours_in_the_sites_time_zone(typed):
    form = Period({"day": "02/12/2026", "moment": typed})
    assert form.is_valid(), form.errors
    moment = timezone.localtime(form.cleaned_data["moment"])
    assert (moment.date(), moment.utcoffset()) == (datetime.date(2026, 12, 2), datetime.timedelta(hours=7))
    assert 'value="02/12/2026 19:00"' in str(Period({"moment": "2026-12-02T19:00"})["moment"])


def test_a_time_with_am_pm_is_refused_in_vietnamese():
    form = Period({"day": "02/12/2026", "moment": "02/12/2026 7:00 PM"})
    assert not form.is_valid()
    assert form.errors["moment"] == [
        "Hãy nhập ngày và giờ theo dạng dd/mm/yyyy hh:mm (giờ tính theo 24 giờ), ví dụ 02/12/2026 19:00."
    ]


def test_the_month_picker_reads_thang_and_keeps_a_machine_value():
    form = Period({"day": "02/12/2026", "month": "2026-12"})
    assert form.is_valid()
    assert form.cleaned_data["month"] == datetime.date(2026, 12, 1)
    html = str(form["month"])
    assert '<option value="2026-12" selected>Tháng 12/2026</option>' in html
    assert not Period({"day": "02/12/2026", "month": "2026-13"}).is_valid()


@pytest.mark.parametrize(("typed", "number"), [("0,8", 0.8), ("0.8", 0.8), ("1 250,5", 1250.5), ("200", 200.0)])
def test_numbers_take_a_decimal_comma(typed, number):
    form = Figures({"calls": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["calls"] == number


def test_a_number_is_shown_back_with_a_decimal_comma_and_errors_say_how_to_type_it():
    assert 'value="0,8"' in str(Figures({"calls": "0.8"})["calls"])
    form = Figures({"calls": "tám"})
    assert not form.is_valid()
    assert form.errors["calls"] == ["Hãy nhập một số, phần thập phân ngăn cách bằng dấu phẩy, ví dụ 0,8."]
    assert Figures({"calls": "-1"}).errors["calls"] == ["Hãy nhập một số từ 0 đến 10000."]


@pytest.mark.parametrize("typed", ["80 %", "80%", "80", "80,0", "0,8", "0.8"])
def test_a_percentage_is_typed_as_one_and_kept_as_a_fraction(typed):
    form = Figures({"share": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["share"] == pytest.approx(0.8)


def test_a_percentage_is_shown_as_one_and_its_errors_speak_in_percent():
    assert 'value="99,9 %"' in str(Figures({"share": "0.999"})["share"])
    assert Figures({"share": "100 %"}).errors["share"] == ["Hãy nhập tỷ lệ phần trăm từ 1 % đến 99,9 %."]
    assert Figures({"share": "nhiều"}).errors["share"] == ["Hãy nhập tỷ lệ phần trăm, ví dụ 80 %."]


@pytest.mark.django_db
def test_a_lines_service_level_target_is_typed_as_a_percentage_in_the_admin():
    line = LineFactory()
    form = LineAdminForm(instance=line)
    assert 'value="80 %"' in str(form["target_service_level"])
    data = {name: form[name].value() for name in form.fields}
    form = LineAdminForm({**data, "target_service_level": "85 %"}, instance=line)
    assert form.is_valid(), form.errors
    form.save()
    line.refresh_from_db()
    assert line.target_service_level == Decimal("0.85")
