import datetime

import pytest

from roster.models import ShiftPattern
from tests.factories import AgentFactory, HotlineFactory, LineFactory


@pytest.fixture
def line():
    """Line 2 of a hotline, with a 12-hour day and night pattern and five agents."""
    line = LineFactory(digit="2", hotline=HotlineFactory(number="0290.1022"))
    ShiftPattern.objects.create(
        line=line, name="Ca ngày", start_time=datetime.time(7), duration=datetime.timedelta(hours=12)
    )
    ShiftPattern.objects.create(
        line=line, name="Ca đêm", start_time=datetime.time(19), duration=datetime.timedelta(hours=12)
    )
    for n in range(5):
        AgentFactory(unit=line.unit, lines=[line], full_name=f"Cán bộ {n}")
    return line
