"""The demo's simple rotation keeps skills, leave, rest and the weekly cap."""

import datetime

from roster.rotation import Candidate, Slot, rotate

TZ = datetime.timezone(datetime.timedelta(hours=7))


def at(day, hour):
    return datetime.datetime(2026, 12, day, hour, tzinfo=TZ)


def day_and_night(days, line="2", required=1):
    slots = []
    for day in days:
        slots.append(Slot(key=f"d{day}", line=line, start=at(day, 7), end=at(day, 19), required=required))
        slots.append(Slot(key=f"n{day}", line=line, start=at(day, 19), end=at(day + 1, 7), required=required))
    return slots


def test_only_qualified_agents_are_chosen():
    chosen = rotate(day_and_night([1]), [Candidate("a", {"1"}, 48), Candidate("b", {"2"}, 48)])
    assert chosen == {"d1": ["b"], "n1": []}  # b may not work the night right after the day


def test_leave_is_respected():
    agents = [Candidate("a", {"2"}, 48, unavailable=[(at(1, 0), at(2, 0))]), Candidate("b", {"2"}, 48)]
    assert rotate(day_and_night([1]), agents)["d1"] == ["b"]


def test_twelve_hours_of_rest_follow_a_shift_even_across_the_horizon():
    agents = [Candidate("a", {"2"}, 48, worked=[(at(1, 0), at(1, 1))]), Candidate("b", {"2"}, 48)]
    assert rotate([Slot("s", "2", at(1, 7), at(1, 19), 1)], agents) == {"s": ["b"]}


def test_the_weekly_cap_is_kept_and_the_load_is_shared():
    agents = [Candidate(name, {"2"}, 36) for name in "abcd"]
    chosen = rotate(day_and_night(range(7, 14)), agents)  # Monday 7th to Sunday 13th December
    counts = {name: sum(name in keys for keys in chosen.values()) for name in "abcd"}
    assert all(count * 12 <= 36 for count in counts.values())
    assert max(counts.values()) - min(counts.values()) <= 1
