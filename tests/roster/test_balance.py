"""Across months: a build weighs each agent's work in published rosters of the months before
it (the engine's `balance`), and the hours report shows that running balance."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from hotline.fields import add_months
from roster import policy
from roster.models import Assignment, Leave, PublicHoliday, Roster
from roster.planning import is_tet, local_midnight
from roster.services import roster_build, roster_build_read
from tests.factories import MONDAY, AssignmentFactory, RosterFactory, ShiftFactory

pytestmark = pytest.mark.django_db

DEC_1, FEB_1 = datetime.date(2026, 12, 1), datetime.date(2027, 2, 1)
FIRST_DAY_BEFORE_MONDAY = datetime.date(2027, 2, 15)


def at(day, hour):
    return local_midnight(day) + datetime.timedelta(hours=hour)


def published(line, first, last, status=Roster.Status.PUBLISHED):
    roster = RosterFactory(start=first, end=last, status=status)
    roster.lines.set([line])
    return roster


def shift(roster, line, day, hour, *agents, status=Assignment.Status.ASSIGNED):
    """A 12-hour shift from that hour, worked by the agents."""
    made = ShiftFactory(roster=roster, line=line, start=at(day, hour), end=at(day, hour + 12), required=len(agents))
    for agent in agents:
        AssignmentFactory(shift=made, agent=agent, status=status)
    return made


def balance(line):
    plan = roster_build_read(lines=[line], start=MONDAY, end=MONDAY + datetime.timedelta(days=6))
    return {plan.agents[b.agent]: b for b in plan.problem.balance}


def test_lunar_new_year_days_are_tet_and_the_solar_new_year_is_not():
    assert is_tet("Tết Nguyên Đán") and is_tet("Mùng hai Tết Nguyên Đán") and is_tet("29 Tết")
    assert not is_tet("Tết Dương lịch") and not is_tet("Quốc khánh")


def test_a_build_carries_the_published_work_of_the_three_months_before(line):
    ann, bao, cuc = line.agents.order_by("pk")[:3]
    PublicHoliday.objects.create(date=datetime.date(2027, 2, 6), name="Tết Nguyên Đán")  # a Saturday
    december = published(line, DEC_1, datetime.date(2026, 12, 31))
    november = published(line, datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    february = published(line, FEB_1, datetime.date(2027, 2, 28))
    shift(february, line, datetime.date(2027, 2, 5), 19, ann)  # a Friday night
    shift(february, line, datetime.date(2027, 2, 6), 7, ann, bao)  # Tết, on a Saturday
    shift(february, line, datetime.date(2027, 2, 15), 7, ann)
    shift(december, line, datetime.date(2026, 12, 10), 7, bao)
    shift(november, line, datetime.date(2026, 11, 1), 7, bao)  # more than 3 months before
    shift(february, line, datetime.date(2027, 2, 16), 7, bao, status=Assignment.Status.DECLINED)
    shift(published(line, FEB_1, FEB_1, Roster.Status.DRAFT), line, FEB_1, 7, bao)  # never published
    Leave.objects.create(
        agent=bao,
        start=at(datetime.date(2027, 2, 8), 0),
        end=at(datetime.date(2027, 2, 10), 0),
        status=Leave.Status.APPROVED,
    )
    Leave.objects.create(agent=cuc, start=at(FEB_1, 0), end=at(FEB_1, 24), status=Leave.Status.REQUESTED)

    found = balance(line)

    three_months = (31 + 31 + 28) * 24
    assert (found[ann].hours, found[ann].nights, found[ann].weekends, found[ann].holidays, found[ann].tet) == (
        36,
        1,
        1,
        1,
        1,
    )
    assert found[ann].available_hours == three_months
    assert (found[bao].hours, found[bao].nights, found[bao].weekends) == (24, 0, 1)
    assert found[bao].available_hours == three_months - 48, "approved leave is not time one could work"
    assert found[cuc].hours == 0 and found[cuc].available_hours == three_months


def test_the_balance_looks_back_as_far_as_the_setting_and_the_first_roster(line, settings):
    ann = line.agents.order_by("pk").first()
    shift(published(line, DEC_1, datetime.date(2026, 12, 31)), line, datetime.date(2026, 12, 10), 7, ann)
    shift(published(line, FIRST_DAY_BEFORE_MONDAY, datetime.date(2027, 2, 28)), line, FIRST_DAY_BEFORE_MONDAY, 7, ann)
    assert balance(line)[ann].hours == 24

    settings.ROSTER_BALANCE_MONTHS = 1
    found = balance(line)
    assert found[ann].hours == 12
    assert found[ann].available_hours == 14 * 24, "from the first published roster of the month, not the 1st"

    settings.ROSTER_BALANCE_MONTHS = 0
    assert balance(line) == {}


def test_without_published_rosters_before_there_is_no_balance(line):
    assert balance(line) == {}


def test_an_agent_who_worked_the_nights_before_gets_fewer_nights_now(line):
    ann, bao, *others = line.agents.order_by("pk")
    before = published(line, FIRST_DAY_BEFORE_MONDAY, datetime.date(2027, 2, 28))
    for n in range(7):  # as many hours each, but Ann worked every night
        day = FIRST_DAY_BEFORE_MONDAY + datetime.timedelta(days=n)
        shift(before, line, day, 19, ann)
        shift(before, line, day, 7, bao, *others)

    result = roster_build(lines=[line], start=MONDAY, end=MONDAY + datetime.timedelta(days=6), time_limit_s=2)

    assert result.filled == result.required == 14
    nights = {
        agent: Assignment.objects.filter(shift__roster=result.roster, agent=agent, start__hour=19).count()
        for agent in (ann, bao)
    }
    assert nights[ann] < nights[bao]


def last_months():
    """The first days of the month three months ago and of the month after it: clear of the
    demo's rosters, which start yesterday."""
    first = add_months(timezone.localdate().replace(day=1), -3)
    return first, add_months(first, 1)


def test_the_hours_report_shows_the_months_before_and_the_loads(login):
    director = get_user_model().objects.get(username="director")
    agent = policy.managed_agents(director).filter(lines__isnull=False).order_by("pk").first()
    line = agent.lines.order_by("pk").first()
    before, month = last_months()
    shift(published(line, before, add_months(before, 1) - datetime.timedelta(days=1)), line, before, 19, agent)
    shift(published(line, month, add_months(month, 1) - datetime.timedelta(days=1)), line, month, 7, agent)
    period = f"start={month}&end={add_months(month, 1) - datetime.timedelta(days=1)}"

    page = login("director").get(f"/reports/hours/?{period}").content.decode()

    assert f"{before:%d/%m/%Y}" in page
    row = page.split(f'data-agent="{agent.pk}"')[1].split("</tr>")[0]
    assert '<td class="text-end">12,0</td><td class="text-end">1</td>' in row, "12 hours and a night before"
    assert 'data-load="past">–' not in row and 'data-load="together">–' not in row

    response = login("director").get(f"/reports/hours/?{period}&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][12:] == [
        "Giờ trực các tháng trước",
        "Ca đêm các tháng trước",
        "Ca cuối tuần các tháng trước",
        "Ca ngày lễ các tháng trước",
        "Mức tải các tháng trước (%)",
        "Mức tải cộng dồn (%)",
    ]
    mine = next(r for r in rows if r[0] == agent.full_name)
    assert (mine[4], mine[12], mine[13]) == ("12,00", "12,00", "1")
