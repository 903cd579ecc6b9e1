import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from hotline.models import StaffingRequirement, Unit
from tests.factories import HotlineFactory, LineFactory, UnitFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)


def test_a_hotline_cannot_have_two_lines_on_one_key():
    line = LineFactory(digit="2")
    with pytest.raises(
        IntegrityError,
        match=r"line_digit_unique_per_hotline|hotline_line\.hotline_id, hotline_line\.(digit|queue)",
    ):
        LineFactory(hotline=line.hotline, digit="2")


def test_two_hotlines_may_use_the_same_key():
    LineFactory(digit="2")
    LineFactory(digit="2")


def test_a_line_key_is_a_phone_key():
    with pytest.raises(IntegrityError, match="line_digit_is_a_key"):
        LineFactory(digit="x")


def test_a_switchboard_queue_belongs_to_one_line_of_a_hotline():
    line = LineFactory(digit="1", queue="cm-1")
    with pytest.raises(
        IntegrityError, match=r"line_queue_unique_per_hotline|hotline_line\.hotline_id, hotline_line\.queue"
    ):
        LineFactory(hotline=line.hotline, digit="2", queue="cm-1")


def test_lines_without_a_queue_do_not_clash():
    line = LineFactory(digit="1", queue="")
    LineFactory(hotline=line.hotline, digit="2", queue="")


def test_a_staffing_window_needs_at_least_one_agent():
    line = LineFactory()
    with pytest.raises(IntegrityError, match="staffing_required_at_least_one"):
        StaffingRequirement.objects.create(
            line=line, weekday=0, start=datetime.time(7), end=datetime.time(19), required=0
        )


def test_a_staffing_window_ends_after_it_starts_or_at_midnight():
    line = LineFactory()
    StaffingRequirement.objects.create(line=line, weekday=0, start=datetime.time(19), end=datetime.time(0))
    with pytest.raises(IntegrityError, match="staffing_end_after_start"):
        StaffingRequirement.objects.create(line=line, weekday=1, start=datetime.time(19), end=datetime.time(7))


def test_overlapping_staffing_windows_are_refused_by_validation():
    line = LineFactory()
    StaffingRequirement.objects.create(line=line, weekday=0, start=datetime.time(7), end=datetime.time(19))
    window = StaffingRequirement(line=line, weekday=0, start=datetime.time(18), end=datetime.time(0))
    with pytest.raises(ValidationError, match="trùng với một khung giờ khác"):
        window.full_clean()


def test_a_line_without_windows_needs_one_agent_round_the_clock():
    line = LineFactory()
    assert line.required_at(datetime.datetime(2026, 12, 1, 3, 0, tzinfo=TZ)) == 1


def test_a_line_needs_what_the_window_of_that_local_time_says():
    line = LineFactory()
    # 2026-12-01 is a Tuesday.
    StaffingRequirement.objects.create(line=line, weekday=1, start=datetime.time(7), end=datetime.time(19), required=3)
    assert line.required_at(datetime.datetime(2026, 12, 1, 7, 0, tzinfo=TZ)) == 3
    assert line.required_at(datetime.datetime(2026, 12, 1, 0, 30, tzinfo=datetime.UTC)) == 3  # 07:30 local
    assert line.required_at(datetime.datetime(2026, 12, 1, 19, 0, tzinfo=TZ)) == 0
    assert (
        line.required_during(
            datetime.datetime(2026, 11, 30, 19, 0, tzinfo=TZ), datetime.datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
        )
        == 3
    )


def test_a_unit_tree_includes_child_units():
    health = UnitFactory(code="syt")
    cdc = UnitFactory(code="cdc", parent=health)
    UnitFactory(code="lab", parent=cdc)
    UnitFactory(code="other")
    below = Unit.objects.filter(pk=health.pk).with_descendants()
    assert set(below.values_list("code", flat=True)) == {"syt", "cdc", "lab"}


def test_a_unit_cannot_be_placed_under_its_own_child():
    health = UnitFactory()
    cdc = UnitFactory(parent=health)
    health.parent = cdc
    with pytest.raises(ValidationError, match="trực thuộc chính nó"):
        health.full_clean()


def test_hotline_numbers_are_unique():
    HotlineFactory(number="0290.1022")
    with pytest.raises(IntegrityError):
        HotlineFactory(number="0290.1022")
