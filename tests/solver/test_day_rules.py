"""The optional day-based rules (8–16), the requests and the weighted penalty: the checker on
an allowed and a broken case each, and the model keeping them."""

import pytest

from roster.solver import ProblemError, check, parse_problem, solve
from roster.solver import rules as R
from tests.solver.conftest import agent, pairs, shift

# Monday 7 to Sunday 20 December 2026. The engine's own labour rules are relaxed so that
# only the rule under test can be broken.
RELAXED = {"min_rest_hours": 0, "max_hours_per_week": 168, "weekly_rest_hours": 0, "max_consecutive_nights": 14}


def typed(id, day, hour, hours, shift_type, **extra):
    return {**shift(id, day, hour, hours), "type": shift_type, **extra}


def days_problem(rules=None, agent_extra=None, days=range(7, 21), types=(("D", 8), ("E", 14))):
    """A day shift D (08:00) and an evening shift E (14:00), 6 hours each, on every day."""
    shifts = [typed(f"{t}{d}", d, hour, 6, t) for d in days for t, hour in types]
    return parse_problem(
        {
            "shifts": shifts,
            "agents": [agent("a", **(agent_extra or {}))],
            "rules": {**RELAXED, **(rules or {})},
        }
    )


def broken(problem, shift_ids, agent_id="a"):
    return {v.rule for v in check(problem, [(s, agent_id) for s in shift_ids])}


def test_rule_8_shifts_a_day():
    problem = days_problem({"max_shifts_per_day": 1})
    assert broken(problem, ["D7", "E8"]) == set()
    assert broken(problem, ["D7", "E7"]) == {8}


def test_rule_9_forbidden_succession_on_consecutive_days_only():
    problem = days_problem({"forbidden_successions": [{"from": "E", "to": "D"}]})
    assert broken(problem, ["D7", "E8"]) == set()  # D then E is allowed
    assert broken(problem, ["E7", "D9"]) == set()  # a day apart
    assert broken(problem, ["E7", "D8"]) == {9}


def test_rule_10_shifts_of_a_type():
    problem = days_problem({"max_shifts_per_type": {"E": 1}})
    assert broken(problem, ["E7", "D8", "D9"]) == set()
    assert broken(problem, ["E7", "E9"]) == {10}


def test_rule_10_a_type_limited_to_zero_gets_no_variable():
    problem = days_problem(agent_extra={"rules": {"max_shifts_per_type": {"E": 0}}})
    solution = solve(problem, workers=1)
    assert {s for s, _ in solution.assignments} <= {f"D{d}" for d in range(7, 21)}


def test_rule_11_hours_in_the_period():
    problem = days_problem({"min_hours": 12, "max_hours": 18})
    assert broken(problem, ["D7", "D8"]) == set()
    assert broken(problem, ["D7"]) == {11}  # 6 h, fewer than 12
    assert broken(problem, ["D7", "D8", "D9", "D10"]) == {11}  # 24 h, more than 18
    # A partial roster is not judged on a minimum it may still reach.
    assert check(problem, [("D7", "a")], partial=True) == []


def test_rule_12_max_consecutive_days():
    problem = days_problem({"max_consecutive_days": 3})
    assert broken(problem, ["D7", "E8", "D9", "D11", "D12", "D13"]) == set()
    assert broken(problem, ["D7", "E8", "D9", "D10"]) == {12}


def test_rule_12_min_consecutive_days_except_at_the_edges_of_the_period():
    problem = days_problem({"min_consecutive_days": 3})
    assert broken(problem, ["D9", "D10", "D11"]) == set()
    assert broken(problem, ["D9", "D10"]) == {12}
    # Runs touching the first or last day may continue outside the period: not too short.
    assert broken(problem, ["D7"]) == set()
    assert broken(problem, ["D19", "E20"]) == set()
    message = next(str(v) for v in check(problem, [("D9", "a"), ("D10", "a")]))
    assert "only 2 days in a row" in message


def test_rule_13_min_consecutive_days_off_except_at_the_edges():
    problem = days_problem({"min_consecutive_days_off": 2})
    assert broken(problem, ["D9", "D12"]) == set()
    assert broken(problem, ["D9", "D11"]) == {13}
    assert broken(problem, ["D8", "D20"]) == set()  # a single day off at the start is no run
    assert broken(problem, ["D18"]) == set()


def test_rule_14_working_weekends():
    problem = days_problem({"max_weekends": 1})
    assert broken(problem, ["D12", "E13", "D14"]) == set()  # Saturday and Sunday: one weekend
    assert broken(problem, ["D13", "D19"]) == {14}


def test_rule_15_days_off_are_hard():
    problem = days_problem(agent_extra={"days_off": ["2026-12-09"]})
    assert broken(problem, ["D8", "D10"]) == set()
    assert broken(problem, ["E9"]) == {15}
    solution = solve(days_problem(agent_extra={"days_off": ["2026-12-09"]}), workers=1)
    assert not [s for s, _ in solution.assignments if s.endswith("9") and len(s) == 2]


def test_rule_16_overtime_per_month():
    # 10-hour shifts: 50 h a week is 10 h of overtime beyond 40; at most 15 h a month.
    shifts = [typed(f"D{d}", d, 8, 10, "D") for d in range(7, 21)]
    problem = parse_problem(
        {
            "shifts": shifts,
            "agents": [agent("a")],
            "rules": {**RELAXED, "overtime": {"normal_hours_per_week": 40, "per_month": 15}},
        }
    )
    assert broken(problem, [f"D{d}" for d in (7, 8, 9, 10, 11, 14, 15, 16, 17)]) == set()  # 10 h, then 0
    assert broken(problem, [f"D{d}" for d in (7, 8, 9, 10, 11, 14, 15, 16, 17, 18)]) == {16}  # 10 h + 10 h


def test_agent_rules_override_the_problems():
    problem = days_problem({"max_consecutive_days": 2}, agent_extra={"rules": {"max_consecutive_days": 4}})
    assert broken(problem, ["D7", "D8", "D9", "D10"]) == set()
    assert problem.rules_for(problem.agents[0]).max_consecutive_days == 4


def test_the_model_keeps_every_day_rule():
    # Every place wanted (weights), one agent: the rules alone decide what stays empty.
    day_rules = {
        "max_shifts_per_day": 1,
        "forbidden_successions": [{"from": "E", "to": "D"}],
        "max_consecutive_days": 4,
        "min_consecutive_days": 2,
        "min_consecutive_days_off": 2,
        "max_weekends": 1,
        "max_hours": 60,
        "max_shifts_per_type": {"E": 3},
    }
    shifts = [
        typed(f"{t}{d}", d, hour, 6, t, under_weight=1) for d in range(7, 21) for t, hour in (("D", 8), ("E", 14))
    ]
    problem = parse_problem(
        {
            "shifts": shifts,
            "agents": [agent("a", days_off=["2026-12-10"])],
            "rules": {**RELAXED, **day_rules},
            "time_limit_s": 5,
        }
    )
    solution = solve(problem, workers=1)
    assert check(problem, solution.assignments) == []
    # At most one weekend, runs of 2–4 days and rests of 2 or more, Thursday 10 off: the best
    # is e.g. 7–9 | off 10–11 | 12–13 | off 14–15 | 16–18 | off 19–20, 8 days (60 h would be 10).
    assert solution.status == "OPTIMAL"
    assert len(solution.assignments) == 8
    assert solution.stats["penalty"] == R.penalty(problem, solution.assignments)["total"] == 28 - 8


def test_requests_and_cover_weights_make_the_penalty():
    shifts = [
        typed("D7", 7, 8, 6, "D", required=1, max=2, under_weight=10, over_weight=1),
        typed("D8", 8, 8, 6, "D", required=1, under_weight=10),
    ]
    problem = parse_problem(
        {
            "shifts": shifts,
            "agents": [
                agent("a", requests=[{"date": "2026-12-07", "type": "D", "on": False, "weight": 3}]),
                agent("b", requests=[{"date": "2026-12-08", "on": True, "weight": 2}]),
            ],
            "rules": RELAXED,
        }
    )
    assert problem.weighted
    assert R.penalty(problem, [("D7", "b"), ("D8", "b")])["total"] == 0
    # a works D7 against her request (3), D8 is empty (10) and b's wish to work it unmet (2).
    assert R.penalty(problem, [("D7", "a")]) == {"under": 10, "over": 0, "requests": 5, "total": 15}
    assert R.penalty(problem, [("D7", "a"), ("D7", "b")])["over"] == 1
    assert check(problem, [("D7", "a"), ("D7", "b")]) == []  # max 2: over-cover allowed
    solution = solve(problem, workers=1)
    assert pairs(solution.to_dict(problem)) == {("D7", "b"), ("D8", "b")} or solution.stats["penalty"] == 0
    assert solution.stats["penalty"] == solution.stats["penalty_bound"] == 0


def test_an_unweighted_problem_keeps_filling_first(roster):
    # Over-cover allowed (max) but not wanted: filled counts places up to required only.
    result = roster({"shifts": [{**shift("s", 1, 7, 8), "max": 3}], "agents": [agent("a"), agent("b")]})
    assert result["stats"]["objective"] == 1 and result["stats"]["best_bound"] == 1
    assert "penalty" not in result["stats"]


def test_extra_agents_only_where_the_rules_need_them(roster):
    """Three day shifts of one place each, a second place allowed on each (max 2). Agent b must
    work 18 hours, all three shifts, and a at least 6: one shift beyond the places. Evening out
    their loads would put a on all three; the extras stay as few as the minimums need."""
    days = [{**shift(f"d{day}", day, 8, 6), "max": 2} for day in (7, 8, 9)]
    result = roster(
        {
            "shifts": days,
            "agents": [agent("a", rules={"min_hours": 6}), agent("b", rules={"min_hours": 18})],
            "rules": RELAXED,
        }
    )
    worked = pairs(result)
    assert {s for s, a in worked if a == "b"} == {"d7", "d8", "d9"}
    assert len(worked) == 4  # the three places and the one extra agent a's minimum needs
    assert result["unfilled"] == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"rules": {"max_consecutive_days": 0}}, "rules.max_consecutive_days"),
        ({"rules": {"forbidden_successions": [{"from": "E"}]}}, "forbidden_successions[0].to"),
        ({"rules": {"max_shifts_per_type": {"D": -1}}}, "max_shifts_per_type.D"),
        ({"rules": {"overtime": {"per_month": "lots"}}}, "overtime.per_month"),
        ({"shifts": [{**shift("s", 1, 7, 8, required=2), "max": 1}]}, "max 1 is below required 2"),
        ({"shifts": [{**shift("s", 1, 7, 8), "under_weight": 1.5}]}, "under_weight"),
        ({"agents": [agent("a", days_off=["tomorrow"])]}, "days_off[0]"),
        ({"agents": [agent("a", requests=[{"date": "2026-12-01", "on": "yes"}])]}, "requests[0].on"),
        ({"agents": [agent("a", rules={"max_weekends": -1})]}, "agent a: rules.max_weekends"),
    ],
)
def test_invalid_optional_keys_are_reported(data, words):
    with pytest.raises(ProblemError, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_problem({"shifts": [], "agents": [], **data})


def test_contradicting_minimums_are_an_invalid_problem():
    problem = parse_problem({"shifts": [shift("s", 1, 7, 8)], "agents": [agent("a", rules={"min_hours": 20})]})
    with pytest.raises(ProblemError, match="no roster keeps every rule"):
        solve(problem, workers=1)


def test_requests_without_cover_weights_keep_the_contracts_order(roster):
    # The web app's wishes: no cover weights, so the places are filled first; then the
    # requests decide (a would rather not work the 7th, b would rather work it).
    data = {
        "shifts": [shift("e7", 7, 7, 8), shift("e8", 8, 7, 8)],
        "agents": [
            agent("a", requests=[{"date": "2026-12-07", "on": False, "weight": 3}]),
            agent("b", requests=[{"date": "2026-12-07", "on": True, "weight": 1}]),
        ],
        "time_limit_s": 2,
    }
    problem = parse_problem(data)
    assert not problem.weighted and problem.penalised
    result = roster(data)
    assert pairs(result) == {("e7", "b"), ("e8", "a")}
    assert result["stats"]["penalty"] == result["stats"]["penalty_bound"] == 0


def test_requests_come_after_the_fill_and_before_fairness(roster):
    # a would rather not work either day: both places are still filled, by b (the request
    # weighs more than the peers' balance), and the one place nobody else can take goes to a.
    data = {
        "shifts": [shift("e7", 7, 7, 8), shift("e9", 9, 7, 8), {**shift("f8", 8, 7, 8), "line": "9"}],
        "agents": [
            agent(
                "a",
                lines=["2", "9"],
                requests=[
                    {"date": "2026-12-07", "on": False, "weight": 1},
                    {"date": "2026-12-08", "on": False, "weight": 1},
                    {"date": "2026-12-09", "on": False, "weight": 1},
                ],
            ),
            agent("b"),
        ],
        "time_limit_s": 2,
    }
    result = roster(data)
    assert pairs(result) == {("e7", "b"), ("e9", "b"), ("f8", "a")}
    assert result["stats"]["objective"] == 3
    assert result["stats"]["penalty"] == 1
