"""`python -m roster.solver PROBLEM.json`: the contract's exit codes and messages."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.solver.conftest import agent, at, shift

ROOT = Path(__file__).resolve().parents[2]

EXAMPLE = {
    "timezone": "Asia/Ho_Chi_Minh",
    "rules": {"min_rest_hours": 12, "max_hours_per_week": 48, "weekly_rest_hours": 24, "max_consecutive_nights": 3},
    "shifts": [
        {
            "id": "s1",
            "line": "2",
            "start": "2026-12-01T07:00:00+07:00",
            "end": "2026-12-01T15:00:00+07:00",
            "required": 2,
        }
    ],
    "agents": [
        {
            "id": "a1",
            "lines": ["2"],
            "max_hours_per_week": 40,
            "unavailable": [{"start": "2026-12-03T00:00:00+07:00", "end": "2026-12-05T00:00:00+07:00"}],
            "days_off_wished": ["2026-12-06"],
        }
    ],
    "fixed": [{"shift": "s1", "agent": "a1"}],
    "current": [{"shift": "s1", "agent": "a1"}],
    "history": [{"agent": "a1", "start": "2026-11-30T19:00:00+07:00", "end": "2026-12-01T07:00:00+07:00"}],
    "holidays": ["2026-12-25"],
    "time_limit_s": 10,
}


def run(tmp_path, problem, raw=None):
    path = tmp_path / "problem.json"
    path.write_text(raw if raw is not None else json.dumps(problem), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "roster.solver", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_the_contracts_example_is_invalid_because_its_fixed_assignment_breaks_the_rest(tmp_path):
    # History ends at 07:00, the fixed shift starts at 07:00: no rest at all.
    result = run(tmp_path, EXAMPLE)
    assert result.returncode == 2
    assert "rule 3" in result.stderr and "a1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_solvable_problem_prints_the_solution_and_exits_0(tmp_path):
    problem = {**EXAMPLE, "history": [], "unknown_key": "ignored"}
    result = run(tmp_path, problem)
    assert result.returncode == 0, result.stderr
    solution = json.loads(result.stdout)
    assert solution["status"] in {"OPTIMAL", "FEASIBLE"}
    assert solution["assignments"] == [{"shift": "s1", "agent": "a1"}]
    assert solution["unfilled"][0]["shift"] == "s1" and solution["unfilled"][0]["missing"] == 1
    assert {"wall_s", "objective", "best_bound"} <= set(solution["stats"])


def test_only_shifts_and_agents_are_required(tmp_path):
    result = run(tmp_path, {"shifts": [shift("s", 1, 7, 8)], "agents": [agent("a")]})
    assert result.returncode == 0
    assert json.loads(result.stdout)["assignments"] == [{"shift": "s", "agent": "a"}]


@pytest.mark.parametrize(
    ("problem", "words"),
    [
        ({"agents": []}, "'shifts' is required"),
        ({"shifts": [], "agents": [{"id": "a", "lines": ["2"]}, {"id": "a", "lines": ["2"]}]}, "duplicate agent id"),
        ({"shifts": [shift("s", 1, 7, 8), shift("s", 2, 7, 8)], "agents": []}, "duplicate shift id"),
        (
            {"shifts": [{"id": "s", "line": "2", "start": "2026-12-01T07:00:00", "end": at(1, 15)}], "agents": []},
            "no UTC offset",
        ),
        ({"shifts": [{"id": "s", "line": "2", "start": at(1, 15), "end": at(1, 7)}], "agents": []}, "not after start"),
        ({"shifts": [shift("s", 1, 7, 8)], "agents": [], "fixed": [{"shift": "s", "agent": "x"}]}, "unknown agent"),
        ({"shifts": [], "agents": [], "current": [{"shift": "nope", "agent": "x"}]}, "unknown shift"),
        (
            {"shifts": [shift("s", 1, 7, 8)], "agents": [agent("a", ["1"])], "fixed": [{"shift": "s", "agent": "a"}]},
            "rule 1",
        ),
        (
            {
                "shifts": [shift("s", 1, 7, 8)],
                "agents": [agent("a"), agent("b")],
                "fixed": [{"shift": "s", "agent": "a"}, {"shift": "s", "agent": "b"}],
            },
            "rule 7",
        ),
        ({"shifts": [shift("s", 1, 7, 8, required=-1)], "agents": []}, "required"),
        ({"shifts": [], "agents": [], "time_limit_s": 0}, "time_limit_s"),
    ],
)
def test_an_invalid_problem_exits_2_with_a_one_line_reason(tmp_path, problem, words):
    result = run(tmp_path, problem)
    assert result.returncode == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_malformed_json_exits_2(tmp_path):
    result = run(tmp_path, None, raw='{"shifts": [')
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr


def test_a_missing_file_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "roster.solver", str(tmp_path / "missing.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2


def test_the_package_imports_nothing_from_django():
    code = "import sys, roster.solver, roster.solver.__main__; print(any(m.startswith('django') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
