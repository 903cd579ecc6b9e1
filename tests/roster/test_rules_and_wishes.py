"""A unit's optional roster rules (set by its directors) and the agents' wishes (entered on
their own page) reach the engine's problem; the Tết days go in with the holidays."""

import datetime

import pytest
from django.utils import timezone

from roster import services
from roster.models import Assignment, PublicHoliday, UnitRules, Wish
from roster.services import roster_build, roster_build_read
from roster.solver.problem import Request
from tests.factories import MONDAY, AgentFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

WEEK_END = MONDAY + datetime.timedelta(days=6)


def director_of(unit, username):
    user = UserFactory(username=username)
    unit.directors.add(user)
    return user


def signed_in_agent(client, agent):
    agent.update_login()
    agent.save()
    client.force_login(agent.user)
    return agent


def test_a_director_sets_the_units_rules_and_the_next_build_keeps_them(client, line):
    client.force_login(director_of(line.unit, "giamdoc"))
    page = client.get(f"/units/{line.unit.pk}/rules/")
    assert page.status_code == 200
    form = {
        "max_shifts_per_day": "1",
        "no_day_after_night": "on",
        "max_consecutive_days": "5",
        "max_weekends": "",
        "max_night_shifts": "8",
        "overtime_normal_week": "40",
        "overtime_per_month": "40",
        "overtime_per_year": "300",
    }
    assert client.post(f"/units/{line.unit.pk}/rules/", form).status_code == 302
    PublicHoliday.objects.create(date=MONDAY + datetime.timedelta(days=2), name="Mùng một Tết Nguyên Đán")
    part_time = line.agents.order_by("pk").last()
    part_time.min_hours_per_roster, part_time.max_hours_per_roster = 24, 36  # the agent's own, over the unit's
    part_time.save()

    problem = roster_build_read(lines=[line], start=MONDAY, end=WEEK_END).problem

    rules = problem.agents[0].rules
    own = problem.agent_by_id[f"a{part_time.pk}"].rules
    assert (rules.min_hours, rules.max_hours, own.min_hours, own.max_hours) == (None, None, 24, 36)
    assert own.max_consecutive_days == 5
    assert rules.max_shifts_per_day == 1 and rules.max_consecutive_days == 5 and rules.max_weekends is None
    assert rules.forbidden_successions == {("N", "D")}
    assert rules.max_shifts_per_type == (("N", 8),)
    assert (rules.overtime.normal_hours_per_week, rules.overtime.per_month, rules.overtime.per_year) == (40, 40, 300)
    # Shift types follow the times: 07–19 a day shift, 19–07 a night shift.
    assert {(s.start.astimezone(problem.timezone).hour, s.type) for s in problem.shifts} == {(7, "D"), (19, "N")}
    assert problem.tet == {MONDAY + datetime.timedelta(days=2)}


def test_bad_rules_get_field_errors_and_nothing_is_saved(client, line):
    client.force_login(director_of(line.unit, "giamdoc"))
    page = client.post(
        f"/units/{line.unit.pk}/rules/",
        {
            "max_shifts_per_day": "0",
            "min_hours": "100",
            "max_hours": "50",
            "overtime_per_month": "60",
            "overtime_per_year": "250",
        },
    )
    assert page.status_code == 400
    errors = page.context["form"].errors
    assert set(errors) == {"max_shifts_per_day", "overtime_per_month", "overtime_per_year", "max_hours"}
    assert errors["max_shifts_per_day"] == ["Hãy nhập giá trị lớn hơn hoặc bằng 1."]
    assert not UnitRules.objects.exists()

    page = client.post(
        f"/units/{line.unit.pk}/rules/",
        {"min_hours": "100", "max_hours": "50", "overtime_per_month": "40", "overtime_per_year": "200"},
    )
    assert page.status_code == 400
    assert page.context["form"].errors["max_hours"] == ["Số giờ tối đa không được ít hơn số giờ tối thiểu."]


def test_extra_agents_let_a_build_meet_a_minimum_of_hours_with_no_more_extras_than_it_needs(client, line):
    """Two days of a day and a night shift, one place each: four places of 12 hours for five
    agents who must each work 12 hours. Only with an extra agent allowed on a shift can it be
    done, and then with exactly one extra."""
    client.force_login(director_of(line.unit, "giamdoc"))
    form = {"min_hours": "12", "extra_agents_per_shift": "1", "overtime_per_month": "40", "overtime_per_year": "200"}
    assert client.post(f"/units/{line.unit.pk}/rules/", form).status_code == 302
    tuesday = MONDAY + datetime.timedelta(days=1)

    problem = roster_build_read(lines=[line], start=MONDAY, end=tuesday).problem
    assert {(s.required, s.ceiling) for s in problem.shifts} == {(1, 2)}

    roster_build(lines=[line], start=MONDAY, end=tuesday, time_limit_s=5)
    assignments = Assignment.objects.filter(shift__roster__lines=line)
    assert assignments.count() == 5
    assert sorted(assignments.values_list("agent", flat=True)) == sorted(line.agents.values_list("pk", flat=True))


def test_without_extra_agents_the_shifts_keep_their_places(line):
    UnitRules.objects.create(unit=line.unit, min_hours=12)
    problem = roster_build_read(lines=[line], start=MONDAY, end=MONDAY).problem
    assert {(s.required, s.ceiling) for s in problem.shifts} == {(1, 1)}


def test_another_units_director_may_not_see_or_set_the_rules(client, line):
    client.force_login(director_of(UnitFactory(), "giamdoc-khac"))
    assert client.get(f"/units/{line.unit.pk}/rules/").status_code == 404
    assert client.post(f"/units/{line.unit.pk}/rules/", {"max_shifts_per_day": "1"}).status_code == 404
    assert not UnitRules.objects.exists()


def test_an_agent_enters_a_wish_and_it_reaches_the_problem_as_a_request(client, line):
    agent = signed_in_agent(client, line.agents.order_by("pk").first())
    tuesday = MONDAY + datetime.timedelta(days=1)
    wish = {"work": "False", "date": tuesday.strftime("%d/%m/%Y"), "shift_type": "N", "weight": "4"}
    assert client.post("/me/wishes/", wish).status_code == 302
    page = client.get("/me/wishes/")
    assert "Ca đêm" not in page.content.decode()  # sanity: the list names the type, not a pattern
    assert "quan trọng" in page.content.decode()

    # The same day and shift again, a day that does not exist, a day gone by: field errors.
    for date in (tuesday.strftime("%d/%m/%Y"), "31/02/2027", "01/01/2020"):
        page = client.post("/me/wishes/", {**wish, "date": date})
        assert page.status_code == 400 and "date" in page.context["form"].errors

    problem = roster_build_read(lines=[line], start=MONDAY, end=WEEK_END).problem
    (mine,) = [a for a in problem.agents if a.id == f"a{agent.pk}"]
    assert mine.requests == (Request(tuesday, "N", False, 4),)
    assert not problem.weighted  # wishes alone keep fill and fairness first

    # Removing it: only the agent's own.
    other = Wish.objects.create(agent=AgentFactory(), date=tuesday)
    assert client.post(f"/me/wishes/{other.pk}/remove/").status_code == 404
    assert client.post(f"/me/wishes/{agent.wishes.get().pk}/remove/").status_code == 302
    assert not agent.wishes.exists()


def test_a_build_grants_an_important_wish(line):
    first, second = line.agents.order_by("pk")[:2]
    tuesday = MONDAY + datetime.timedelta(days=1)
    Wish.objects.create(agent=first, date=tuesday, shift_type="N", work=True, weight=Wish.Weight.IMPORTANT)
    Wish.objects.create(agent=second, date=MONDAY, work=False, weight=Wish.Weight.IMPORTANT)

    result = roster_build(lines=[line], start=MONDAY, end=tuesday, time_limit_s=2)

    assert result.filled == result.required == 4
    worked = Assignment.objects.filter(shift__roster=result.roster)
    assert worked.filter(agent=first, start__date=tuesday, start__hour=19).exists()
    assert not worked.filter(agent=second, start__date=MONDAY).exists()


def test_a_director_adding_by_hand_is_told_of_the_units_maximums_but_not_held_to_its_minimums(line):
    UnitRules.objects.create(unit=line.unit, max_consecutive_days=2, min_hours=100)
    first, second = line.agents.order_by("pk")[:2]
    wednesday = MONDAY + datetime.timedelta(days=2)
    draft = roster_build_read(lines=[line], start=MONDAY, end=wednesday).roster
    days = {timezone.localdate(s.start): s for s in draft.shifts.all() if s.is_night() is False}
    for day in (MONDAY, MONDAY + datetime.timedelta(days=1)):
        Assignment.objects.create(shift=days[day], agent=first, source=Assignment.Source.MANUAL)

    assert services.explained_breaches(shift=days[wednesday], agent=first) == [
        f"{first.full_name} sẽ làm việc quá số ngày liên tiếp mà quy định của đơn vị cho phép."
    ]
    # 12 hours is far below the unit's 100, but more shifts may still come: no refusal.
    assert services.explained_breaches(shift=days[wednesday], agent=second) == []


def test_a_minimum_nobody_can_meet_fails_the_build_with_a_sentence_a_director_acts_on(line):
    UnitRules.objects.create(unit=line.unit, min_hours=150)  # two days hold 48 hours at most
    tuesday = MONDAY + datetime.timedelta(days=1)

    with pytest.raises(services.RosterError) as refused:
        roster_build(lines=[line], start=MONDAY, end=tuesday, time_limit_s=2)

    assert str(refused.value) == (
        "Không lập được lịch nào giữ đủ mọi quy tắc: các mức tối thiểu (số giờ trong lịch, số ngày làm liền, "
        f"số ngày nghỉ liền) đặt trong quy tắc của {line.unit.name} không thể cùng đạt được với các ca và "
        "cán bộ này. Hãy hạ hoặc bỏ các mức đó rồi lập lịch lại."
    )
    assert not Assignment.objects.filter(shift__roster__lines=line).exists()
