"""The greedy builder, the model's starting point: it keeps every rule but the minimums."""

import pytest

from roster.solver import check
from roster.solver.greedy import greedy
from tests.solver.test_day_rules import days_problem


@pytest.mark.parametrize(
    "rules, agent_extra",
    [
        ({"max_shifts_per_day": 1}, None),
        ({"forbidden_successions": [{"from": "E", "to": "D"}]}, None),
        ({"max_shifts_per_type": {"E": 3}}, None),
        ({"max_hours": 30}, None),
        ({"max_consecutive_days": 3}, None),
        ({"max_weekends": 1}, None),
        ({"overtime": {"normal_hours_per_week": 40, "per_month": 4}}, None),
        (None, {"days_off": ["2026-12-09", "2026-12-10"]}),
    ],
)
def test_the_greedy_start_keeps_the_day_rules(rules, agent_extra):
    # One agent and every shift of two weeks: without these rules it would take them all.
    problem = days_problem(rules, agent_extra)
    start = greedy(problem)
    assert start
    assert check(problem, start) == []


def test_the_greedy_leaves_the_minimums_to_the_model():
    # A minimum run of work cannot be judged on a roster half built: the greedy takes what fits.
    problem = days_problem({"min_consecutive_days": 3, "max_shifts_per_day": 1})
    start = greedy(problem)
    assert [v.rule for v in check(problem, start)] in ([], [12])
    assert not [v for v in check(problem, start) if v.rule != 12]
