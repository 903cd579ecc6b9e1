import pytest

from roster.solver import check, parse_problem, solve


def at(day, hour, minute=0):
    """A timestamp in December 2026, Vietnam time (1 December 2026 is a Tuesday)."""
    return f"2026-12-{day:02d}T{hour:02d}:{minute:02d}:00+07:00"


def shift(id, day, hour, hours, line="2", required=1):
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(at(day, hour))
    return {
        "id": id,
        "line": line,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=hours)).isoformat(),
        "required": required,
    }


def agent(id, lines=("2",), **extra):
    return {"id": id, "lines": list(lines), **extra}


@pytest.fixture
def roster():
    """Solve a problem given as a dict; assert the independent checker finds no broken rule."""

    def run(data, **kwargs):
        data = {"time_limit_s": 5, **data}
        problem = parse_problem(data)
        solution = solve(problem, **kwargs)
        assert check(problem, solution.assignments) == []
        return solution.to_dict(problem)

    return run


def pairs(result):
    return {(a["shift"], a["agent"]) for a in result["assignments"]}
