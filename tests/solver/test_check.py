"""The rule checker on its own: it finds each broken rule in a hand-made roster."""

import pytest

from roster.solver import check, parse_problem
from tests.solver.conftest import agent, at, shift


def problem(**data):
    return parse_problem({"shifts": [], "agents": [], **data})


def rules_broken(p, assignments):
    return sorted({v.rule for v in check(p, assignments)})


def test_a_good_roster_breaks_nothing():
    p = problem(shifts=[shift("s1", 1, 7, 8), shift("s2", 2, 7, 8)], agents=[agent("a")])
    assert check(p, [("s1", "a"), ("s2", "a")]) == []


def test_checker_finds_an_unqualified_agent():
    p = problem(shifts=[shift("s1", 1, 7, 8)], agents=[agent("a", ["1"])])
    assert rules_broken(p, [("s1", "a")]) == [1]


def test_checker_finds_work_during_leave():
    p = problem(shifts=[shift("s1", 1, 7, 8)], agents=[agent("a", unavailable=[{"start": at(1, 8), "end": at(1, 9)}])])
    assert rules_broken(p, [("s1", "a")]) == [2]


def test_checker_finds_short_rest_and_overlap():
    p = problem(shifts=[shift("s1", 1, 7, 8), shift("s2", 1, 12, 8)], agents=[agent("a")])
    assert rules_broken(p, [("s1", "a"), ("s2", "a")]) == [3]


def test_checker_finds_short_rest_after_history():
    p = problem(
        shifts=[shift("s1", 1, 7, 8)], agents=[agent("a")], history=[{"agent": "a", "start": at(1, 0), "end": at(1, 1)}]
    )
    assert rules_broken(p, [("s1", "a")]) == [3]


def test_checker_finds_too_many_weekly_hours():
    p = problem(shifts=[shift(f"s{d}", d, 7, 8) for d in (1, 2, 3)], agents=[agent("a", max_hours_per_week=20)])
    assert rules_broken(p, [("s1", "a"), ("s2", "a"), ("s3", "a")]) == [4]


def test_checker_finds_a_week_without_24_hours_of_rest():
    shifts = [shift(f"d{d}", d, 8, 8) for d in range(7, 14)] + [
        shift("x", 6, 20, 6, line="9"),
        shift("y", 14, 1, 6, line="9"),
    ]
    p = problem(shifts=shifts, agents=[agent("a", max_hours_per_week=168)])
    assert rules_broken(p, [(f"d{d}", "a") for d in range(7, 14)]) == [5]


def test_checker_finds_too_many_nights_in_a_row():
    p = problem(
        shifts=[shift(f"n{d}", d, 22, 8) for d in (1, 2, 3, 4)],
        agents=[agent("a")],
        rules={"max_consecutive_nights": 3},
    )
    assert rules_broken(p, [(f"n{d}", "a") for d in (1, 2, 3, 4)]) == [6]


@pytest.mark.parametrize(
    "assignments",
    [
        [("s1", "a"), ("s1", "b")],  # over the required places
        [("s1", "a"), ("s1", "a")],  # the same agent twice
        [("zz", "a")],  # an unknown shift
    ],
)
def test_checker_finds_rule_7_breaches(assignments):
    p = problem(shifts=[shift("s1", 1, 7, 8)], agents=[agent("a"), agent("b")])
    assert 7 in rules_broken(p, assignments)


def test_checker_finds_a_missing_fixed_assignment():
    p = problem(shifts=[shift("s1", 1, 7, 8)], agents=[agent("a"), agent("b")], fixed=[{"shift": "s1", "agent": "a"}])
    assert rules_broken(p, [("s1", "b")]) == [7]


def test_checker_takes_the_contracts_json_objects_too():
    p = problem(shifts=[shift("s1", 1, 7, 8)], agents=[agent("a", ["1"])])
    assert rules_broken(p, [{"shift": "s1", "agent": "a"}]) == [1]
