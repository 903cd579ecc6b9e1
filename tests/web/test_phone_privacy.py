"""Agents' phone numbers on who-is-on-duty lists: only for those who may have to reach them
(Decree 13/2023 on personal data). Everyone else sees names and the answering unit's phone."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from hotline.models import Line, Unit
from roster import policy


def phones_by_line(items):
    """Line → the phones of its agents on duty now, as the caller sees them."""
    return {item["line"]: [agent["phone"] for agent in item["agents"]] for item in items}


def test_the_demo_has_someone_on_duty_on_every_line(api):
    assert all(phones_by_line(api("admin").get("/api/v1/oncall/").json()).values())


def test_an_agent_sees_the_phones_of_their_own_line_only(api):
    items = api("agent").get("/api/v1/oncall/").json()
    phones = phones_by_line(items)
    assert all(phones["2"])
    assert phones["1"] == [None] * len(phones["1"])
    assert phones["3"] == [None] * len(phones["3"])
    # A hidden number is null; the item keeps its shape.
    assert all(set(agent) == {"name", "phone", "checked_in"} for item in items for agent in item["agents"])


def test_an_agent_who_cannot_see_the_phones_gets_the_answering_units_phone(api):
    Unit.objects.filter(code="ldtbxh").update(phone="0290 3831 234")
    line_1 = next(item for item in api("agent").get("/api/v1/oncall/").json() if item["line"] == "1")
    assert line_1["unit_phone"] == "0290 3831 234"
    assert line_1["agents"][0]["name"] and line_1["agents"][0]["phone"] is None


@pytest.mark.parametrize(
    "username, shown",
    [
        ("admin", {"1", "2", "3"}),
        ("operator", {"1", "2", "3"}),
        ("director-syt", {"2", "3"}),  # Sở Y tế's line and the CDC's, the unit below it
        ("director-ldtbxh", {"1"}),
    ],
)
def test_directors_see_the_phones_of_the_lines_they_manage(api, username, shown):
    phones = phones_by_line(api(username).get("/api/v1/oncall/").json())
    for line, numbers in phones.items():
        if line in shown:
            assert None not in numbers, line
        else:
            assert set(numbers) == {None}, line


def test_a_director_sees_their_units_agents_anywhere_and_anyone_on_their_lines(demo):
    rule = policy.phone_rule(get_user_model().objects.get(username="director"))
    cdc, syt = Unit.objects.get(code="cdc"), Unit.objects.get(code="syt")
    line_2, line_3 = Line.objects.get(digit="2"), Line.objects.get(digit="3")
    assert rule.shows(unit_id=cdc.pk, line_id=line_3.pk)  # a CDC agent covering Sở Y tế's line
    assert rule.shows(unit_id=syt.pk, line_id=line_2.pk)  # a Sở Y tế agent on the CDC's line
    assert not rule.shows(unit_id=syt.pk, line_id=line_3.pk)


def test_signed_out_nobody_sees_a_phone(demo):
    rule = policy.phone_rule(AnonymousUser())
    assert not any(rule.shows(unit_id=line.unit_id, line_id=line.pk) for line in Line.objects.all())
