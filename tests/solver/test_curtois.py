"""The Curtois & Qu benchmark reader (roster/solver/curtois.py) and `--format curtois`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from roster.solver import ProblemError, check, solve
from roster.solver import rules as R
from roster.solver.curtois import read_curtois
from roster.solver.reasons import NO_ROSTER

ROOT = Path(__file__).resolve().parents[2]
TINY = Path(__file__).with_name("curtois_tiny.txt")
INSTANCE_1 = ROOT / "bench" / "curtois" / "Instance1.txt"


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "roster.solver", "--format", "curtois", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tiny_instance_maps_onto_the_engines_problem():
    problem = read_curtois(TINY.read_text())
    assert [s.id for s in problem.shifts] == [f"{d}-D" for d in range(7)]
    assert problem.dates[0].weekday() == 0  # the horizon starts on a Monday
    assert problem.shift_by_id["0-D"].required == 2 and problem.shift_by_id["0-D"].under_weight == 100
    a, b = problem.agents
    assert problem.rules_for(a).max_weekends == 0 and problem.rules_for(a).min_consecutive_days == 2
    assert problem.rules_for(a).min_hours == 16 and problem.rules_for(b).max_hours == 40
    assert [d.isoformat() for d in b.days_off] == ["2024-01-03"]
    assert problem.weighted


def test_the_tiny_instance_is_solved_to_its_optimum_worked_out_by_hand():
    # Monday needs two, so both work it. B is off on Wednesday, so A works it; A's rest runs
    # must be 2 days long (unless at an edge), so A works Monday to Wednesday (her most in a
    # row) and never again: no weekends for A, and a return on Friday would leave one day off.
    # B takes Thursday to Sunday (5 shifts in all, her most). Penalties: B works Saturday
    # against her request (3, against 100 for leaving it empty), A's wish for Friday is
    # unmet (2). Optimum 5.
    problem = read_curtois(TINY.read_text(), time_limit_s=5)
    solution = solve(problem, workers=1)
    assert solution.status == "OPTIMAL"
    assert solution.stats["penalty"] == solution.stats["penalty_bound"] == 5
    assert sorted(solution.assignments) == sorted(
        [("0-D", "A"), ("1-D", "A"), ("2-D", "A"), ("0-D", "B"), ("3-D", "B"), ("4-D", "B"), ("5-D", "B"), ("6-D", "B")]
    )
    assert check(problem, solution.assignments) == []


def test_the_cli_prints_the_contracts_solution_with_the_penalty():
    result = cli(TINY, "--time-limit", 5)
    assert result.returncode == 0, result.stderr
    solution = json.loads(result.stdout)
    assert solution["status"] == "OPTIMAL"
    assert {"shift": "3-D", "agent": "B"} in solution["assignments"]
    assert solution["unfilled"] == []
    assert {"wall_s", "objective", "best_bound", "penalty", "penalty_bound"} <= set(solution["stats"])
    assert solution["stats"]["penalty"] == 5


def test_instance_1_reaches_its_known_optimum_607():
    problem = read_curtois(INSTANCE_1.read_text(), time_limit_s=10)
    solution = solve(problem, workers=2)
    assert check(problem, solution.assignments) == []
    assert solution.stats["penalty"] == R.penalty(problem, solution.assignments)["total"]
    assert solution.stats["penalty_bound"] <= 607 <= solution.stats["penalty"]
    assert solution.stats["penalty"] == 607


MALFORMED = [
    ("", "no SECTION_ lines"),
    ("SECTION_HORIZON\n7\n", "SECTION_SHIFTS is missing"),
    ("7\nSECTION_HORIZON\n", "data before the first SECTION_"),
    ("SECTION_HORIZON\nseven\n", "'seven' is not a whole number"),
    ("SECTION_HORIZON\n7\nSECTION_NONSENSE\n", "unknown section"),
    ("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480\n", "expected 3 fields"),
    ("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,X\nSECTION_STAFF\nA,D=7,1,0,1,1,1,1\n", "unknown shift type 'X'"),
    ("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\nSECTION_STAFF\nA,D=7,1,0,1,1,1\n", "expected 8 fields"),
    (
        "SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\nSECTION_STAFF\nA,D=7,1,0,1,1,1,1\nSECTION_DAYS_OFF\nZ,1\n",
        "unknown staff 'Z'",
    ),
    (
        "SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\nSECTION_STAFF\nA,D=7,1,0,1,1,1,1\nSECTION_COVER\n7,D,1,100,1\n",
        "day 7 is outside the horizon",
    ),
]


@pytest.mark.parametrize(("text", "words"), MALFORMED)
def test_a_malformed_instance_is_a_problem_error(text, words):
    with pytest.raises(ProblemError, match=words):
        read_curtois(text)


def test_the_cli_exits_2_with_one_line_on_a_malformed_file(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_text("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480\n", encoding="utf-8")
    result = cli(path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "line 4: expected 3 fields" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli(tmp_path / "missing.txt").returncode == 2


def test_a_short_run_on_instance_2_gives_a_valid_roster_never_below_the_optimum():
    # Too short to prove anything: the first solve, the neighbourhood search and the last
    # solve all run, and whatever they end with must keep every rule.
    problem = read_curtois((ROOT / "bench" / "curtois" / "Instance2.txt").read_text(), time_limit_s=4)
    solution = solve(problem, workers=2)
    assert solution.status in {"OPTIMAL", "FEASIBLE"}
    assert check(problem, solution.assignments) == []
    assert solution.stats["penalty_bound"] <= 828 <= solution.stats["penalty"]


def test_a_neighbourhood_sub_model_counts_the_agents_left_out_in_its_cover():
    # The weighted search re-solves a few agents against the cover the others leave
    # (ComponentModel's `outside`): its penalty plus the left-out agents' unmet requests is
    # the whole roster's penalty, as rules.penalty counts it.
    from collections import Counter

    from ortools.sat.python import cp_model

    from roster.solver.model import ComponentModel

    problem = read_curtois((ROOT / "bench" / "curtois" / "Instance2.txt").read_text(), time_limit_s=4)
    roster = solve(problem, workers=1).assignments
    freed = {a.id for a in problem.agents[:3]}
    kept = [p for p in roster if p[1] not in freed]
    sub = ComponentModel(
        problem,
        problem.shifts,
        [a for a in problem.agents if a.id in freed],
        set(),
        outside=Counter(shift_id for shift_id, _ in kept),
    )
    sub.model.Minimize(sub.penalty)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10
    assert solver.Solve(sub.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chosen = [pair for pair, var in sub.x.items() if solver.Value(var)]
    assert check(problem, kept + chosen) == []
    left_out = 0
    for agent in problem.agents:
        if agent.id not in freed:
            shifts = [problem.shift_by_id[s] for s, a in kept if a == agent.id]
            left_out += sum(r.weight for r in agent.requests if bool(R.request_shifts(problem, r, shifts)) != r.on)
    assert solver.ObjectiveValue() + left_out == R.penalty(problem, kept + chosen)["total"]


def test_a_year_that_cannot_be_modelled_in_time_says_so_for_every_place():
    # Instance 20 is 182 days of 50 agents: its model takes seconds to build, far past a
    # limit of a hundredth of a second. The engine stops building and says why the places
    # are empty, rather than overrunning the limit.
    problem = read_curtois((ROOT / "bench" / "curtois" / "Instance20.txt").read_text(), time_limit_s=0.01)
    solution = solve(problem, workers=2)
    assert solution.status == "UNKNOWN"
    assert solution.assignments == []
    assert {u.reason for u in solution.unfilled} == {NO_ROSTER}
    assert sum(u.missing for u in solution.unfilled) == sum(s.required for s in problem.shifts)
