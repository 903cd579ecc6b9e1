"""Each hard rule of docs/reference.md §4, in a case where the only way to fill is to respect it."""

from tests.solver.conftest import agent, at, pairs, shift


def test_rule_1_only_agents_of_the_line_answer_it(roster):
    result = roster({"shifts": [shift("s1", 1, 7, 8)], "agents": [agent("a", ["1"]), agent("b", ["2"])]})
    assert pairs(result) == {("s1", "b")}


def test_rule_2_nobody_works_while_unavailable(roster):
    leave = [{"start": at(1, 14), "end": at(2, 0)}]  # overlaps the shift's last hour
    result = roster({"shifts": [shift("s1", 1, 7, 8)], "agents": [agent("a", unavailable=leave), agent("b")]})
    assert pairs(result) == {("s1", "b")}


def test_rule_2_unavailability_that_only_touches_the_shift_does_not_forbid_it(roster):
    leave = [{"start": at(1, 15), "end": at(2, 0)}]
    result = roster({"shifts": [shift("s1", 1, 7, 8)], "agents": [agent("a", unavailable=leave)]})
    assert pairs(result) == {("s1", "a")}


def test_rule_3_two_shifts_closer_than_the_rest_go_to_two_agents(roster):
    shifts = [shift("day", 1, 7, 8), shift("night", 1, 23, 8)]  # 8 hours apart
    result = roster({"shifts": shifts, "agents": [agent("a"), agent("b")]})
    assert len(pairs(result)) == 2
    assert {a for _, a in pairs(result)} == {"a", "b"}


def test_rule_3_one_agent_cannot_take_both_close_shifts(roster):
    shifts = [shift("day", 1, 7, 8), shift("night", 1, 23, 8)]
    result = roster({"shifts": shifts, "agents": [agent("a")]})
    assert result["stats"]["objective"] == 1
    assert "12-hour rest" in result["unfilled"][0]["reason"]


def test_rule_3_exactly_the_minimum_rest_is_enough(roster):
    shifts = [shift("day", 1, 7, 8), shift("next", 2, 3, 8)]  # 15:00 → 03:00 is 12 hours
    result = roster({"shifts": shifts, "agents": [agent("a")]})
    assert len(pairs(result)) == 2


def test_rule_3_counts_the_shift_worked_just_before_the_horizon(roster):
    history = [{"agent": "a", "start": at(1, 0), "end": at(1, 3)}]  # 4 hours before the shift
    result = roster({"shifts": [shift("s1", 1, 7, 8)], "agents": [agent("a"), agent("b")], "history": history})
    assert pairs(result) == {("s1", "b")}


def test_rule_4_weekly_hours_stay_under_each_agents_cap(roster):
    shifts = [shift(f"s{d}", d, 7, 8) for d in (1, 2, 3)]  # one ISO week
    agents = [agent("a", max_hours_per_week=16), agent("b", max_hours_per_week=8)]
    result = roster({"shifts": shifts, "agents": agents})
    assert len(pairs(result)) == 3
    assert sum(1 for _, a in pairs(result) if a == "a") == 2


def test_rule_4_uses_the_rules_cap_when_the_agent_has_none(roster):
    shifts = [shift(f"s{d}", d, 7, 8) for d in (1, 2, 3)]
    result = roster({"shifts": shifts, "agents": [agent("a")], "rules": {"max_hours_per_week": 16}})
    assert len(pairs(result)) == 2
    assert "weekly hours cap" in result["unfilled"][0]["reason"]


def test_rule_4_a_shift_across_midnight_sunday_counts_in_both_weeks(roster):
    # Sunday 6 December 20:00 to Monday 04:00: 4 hours in each week.
    shifts = [shift("sun", 6, 20, 8), shift("wed", 2, 8, 4), shift("tue", 8, 8, 4)]
    result = roster({"shifts": shifts, "agents": [agent("a", max_hours_per_week=8)]})
    assert len(pairs(result)) == 3


def test_rule_4_counts_history_hours_in_the_week(roster):
    history = [{"agent": "a", "start": at(1, 0), "end": at(1, 4)}]  # 4 h on Tuesday
    result = roster(
        {
            "shifts": [shift("thu", 3, 8, 8)],
            "agents": [agent("a", max_hours_per_week=10), agent("b")],
            "history": history,
        }
    )
    assert pairs(result) == {("thu", "b")}


def test_rule_5_everyone_keeps_a_24_hour_rest_in_each_full_week(roster):
    # Monday 7 to Sunday 13 December, 08:00–16:00 daily: working all seven leaves no 24 h free.
    shifts = [shift(f"d{d}", d, 8, 8) for d in range(7, 14)]
    # Shifts of an unanswered line stretch the span over the whole week, so rule 5 applies.
    shifts += [shift("before", 6, 20, 6, line="9"), shift("after", 14, 1, 6, line="9")]
    result = roster({"shifts": shifts, "agents": [agent("a", max_hours_per_week=168)]})
    assert len(pairs(result)) == 6
    assert "weekly rest" in next(u["reason"] for u in result["unfilled"] if u["shift"].startswith("d"))


def test_rule_5_does_not_apply_to_a_week_only_partly_inside_the_span(roster):
    shifts = [shift(f"d{d}", d, 8, 8) for d in range(7, 14)]
    result = roster({"shifts": shifts, "agents": [agent("a", max_hours_per_week=168)]})
    assert len(pairs(result)) == 7


def test_rule_6_no_more_nights_in_a_row_than_allowed(roster):
    nights = [shift(f"n{d}", d, 22, 8) for d in (1, 2, 3, 4)]
    data = {"shifts": nights, "rules": {"max_consecutive_nights": 2}}
    alone = roster({**data, "agents": [agent("a")]})
    assert {s for s, _ in pairs(alone)} == {"n1", "n2", "n4"}
    assert "nights in a row" in alone["unfilled"][0]["reason"]
    together = roster({**data, "agents": [agent("a"), agent("b")]})
    assert len(pairs(together)) == 4


def test_rule_6_counts_nights_worked_before_the_horizon(roster):
    history = [{"agent": "a", "start": at(1, 22), "end": at(2, 6)}]
    nights = [shift("n2", 2, 22, 8), shift("n3", 3, 22, 8)]
    result = roster(
        {
            "shifts": nights,
            "agents": [agent("a"), agent("b")],
            "history": history,
            "rules": {"max_consecutive_nights": 2, "min_rest_hours": 12},
        }
    )
    assert len(pairs(result)) == 2
    assert ("n3", "a") not in pairs(result) or ("n2", "a") not in pairs(result)


def test_rule_6_a_shift_with_three_hours_of_night_is_a_night_shift(roster):
    # 19:00–01:00 overlaps 22:00–06:00 by exactly 180 minutes.
    evenings = [shift(f"e{d}", d, 19, 6) for d in (1, 2)]
    result = roster({"shifts": evenings, "agents": [agent("a")], "rules": {"max_consecutive_nights": 1}})
    assert len(pairs(result)) == 1


def test_rule_7_a_shift_gets_at_most_its_required_agents(roster):
    result = roster({"shifts": [shift("s1", 1, 7, 8, required=2)], "agents": [agent("a"), agent("b"), agent("c")]})
    assert len(pairs(result)) == 2


def test_rule_7_fixed_assignments_are_kept(roster):
    shifts = [shift("s1", 1, 7, 8), shift("s2", 2, 7, 8)]
    result = roster(
        {
            "shifts": shifts,
            "agents": [agent("a"), agent("b")],
            "fixed": [{"shift": "s1", "agent": "b"}, {"shift": "s2", "agent": "b"}],
        }
    )
    assert pairs(result) == {("s1", "b"), ("s2", "b")}


def test_a_line_nobody_answers_is_reported_by_name(roster):
    result = roster({"shifts": [shift("s1", 1, 7, 8, line="5")], "agents": [agent("a")]})
    assert result["unfilled"] == [{"shift": "s1", "missing": 1, "reason": "no agent answers line 5"}]
