"""The engine's reasons for an empty place, said again in Vietnamese (roster.unfilled)."""

import pytest
from django.utils import translation

from roster.solver.reasons import NO_ROSTER, NOT_EXAMINED, REASON_WORDS
from roster.unfilled import WORDS, in_words


def test_every_phrase_of_the_engine_has_its_words():
    assert set(WORDS) == set(REASON_WORDS)


@pytest.mark.parametrize("key", list(REASON_WORDS))
def test_each_phrase_reads_in_vietnamese(key):
    words = REASON_WORDS[key].format(rest=12, weekly=24, nights=3)
    reason = f"5 agents qualified for line 2: 3 {words} around shift s7, all 5 {words}, both {words}"
    with translation.override("vi"):
        said = in_words(reason, {"s7": "19:00–07:00 04/01"})
    assert said.startswith("Trong 5 cán bộ trực nhánh 2: 3 người ")
    assert words not in said and "agents" not in said
    assert "cả 5 người" in said and "cả hai người" in said


def test_the_other_forms_and_an_unknown_one():
    with translation.override("vi"):
        assert in_words("no agent answers line 2") == "Không có cán bộ nào trực nhánh 2."
        assert in_words("only 1 agent answers line 2, already on this shift").startswith("Nhánh 2 chỉ có 1 cán bộ")
        assert in_words(NO_ROSTER) == "Không tìm được lịch nào giữ đủ mọi quy tắc trong thời gian cho phép."
        assert in_words(NOT_EXAMINED) == "Chưa kịp xét: đã hết thời gian cho phép."
        # A reason in a form not known here is shown as the engine wrote it, not lost.
        assert in_words("something new") == "something new"


def test_the_rest_is_counted_around_a_named_shift():
    reason = "2 agents qualified for line 2: both would break the 12-hour rest around shift s41"
    with translation.override("vi"):
        assert "(vì ca 19:00–07:00 04/01)" in in_words(reason, {"s41": "19:00–07:00 04/01"})
