"""The roles of docs/reference.md §2, as the permission module sees them in the demo."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from roster import policy
from roster.models import Agent


def user(username):
    return get_user_model().objects.get(username=username)


def digits(lines):
    return sorted(line.digit for line in lines)


@pytest.mark.parametrize(
    ("username", "lines"),
    [
        ("admin", ["1", "2", "3"]),
        ("operator", ["1", "2", "3"]),
        ("director", ["2"]),
        ("director-syt", ["2", "3"]),
        ("director-ldtbxh", ["1"]),
        ("agent", []),
    ],
)
def test_each_role_manages_the_lines_the_contract_gives_it(demo, username, lines):
    assert digits(policy.managed_lines(user(username))) == lines


def test_anonymous_users_manage_nothing(db):
    anonymous = AnonymousUser()
    assert not policy.is_manager(anonymous)
    assert not policy.managed_lines(anonymous).exists()
    assert policy.agent_of(anonymous) is None


def test_a_director_manages_the_agents_of_their_unit_and_its_children(demo):
    cdc_agents = set(policy.managed_agents(user("director")))
    health_agents = set(policy.managed_agents(user("director-syt")))
    assert {a.unit.code for a in cdc_agents} == {"cdc", "syt"}  # two Sở Y tế agents also answer line 2
    assert all(a.unit.code == "cdc" or a.lines.filter(digit="2").exists() for a in cdc_agents)
    assert cdc_agents < health_agents
    assert {a.unit.code for a in policy.managed_agents(user("director-ldtbxh"))} == {"ldtbxh"}


def test_the_operator_manages_every_agent_answering_the_hotline(demo):
    assert policy.managed_agents(user("operator")).count() == Agent.objects.count()


def test_an_agent_is_not_a_manager_but_sees_the_hotline_board(demo):
    agent_user = user("agent")
    assert not policy.is_manager(agent_user)
    assert policy.agent_of(agent_user).full_name == "Nguyễn Thị Hồng Nhung"
    assert [h.number for h in policy.visible_hotlines(agent_user)] == ["0290.1022"]


def test_a_user_of_another_province_sees_no_hotline(demo):
    stranger = get_user_model().objects.create_user("stranger", password="x")
    assert not policy.visible_hotlines(stranger).exists()
    assert not policy.is_manager(stranger)
