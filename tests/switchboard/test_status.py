"""The connector's state where people look: /healthz and the hotline operator's dashboard."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from switchboard.events import handle_events
from switchboard.members import plan
from switchboard.models import LineFollow, QueueMemberState, RosterMember, Switchboard, WaitingCall
from switchboard.status import callers_waiting
from tests.factories import HotlineFactory, LineFactory, UserFactory
from tests.switchboard.conftest import QUEUE, shift_with

pytestmark = pytest.mark.django_db


def test_healthz_names_a_switchboard_only_where_one_is_configured(client, world):
    switchboard = world[2]
    switchboard.ami_host = ""
    switchboard.save()
    assert "switchboard" not in client.get("/healthz").json()  # webhooks only: no process to watch

    switchboard.ami_host = "10.0.0.5"
    switchboard.save()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["switchboard"] == "down"
    assert response.json()["switchboard_down"] == ["0290.1022"]
    assert "switchboard" not in client.get("/healthz?scope=web").json()

    switchboard.connected_since = switchboard.alive_at = timezone.now()
    switchboard.save()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["switchboard"] == "ok"


def test_the_operator_sees_the_connection_and_todays_changes(client, world):
    line, (an, _binh, _cuong), switchboard = world
    operator = UserFactory()
    line.hotline.unit.directors.add(operator)
    switchboard.connected_since = timezone.now()
    switchboard.save()
    RosterMember.objects.create(
        switchboard=switchboard, line=line, agent=an, queue=QUEUE, interface="PJSIP/201", member_name=an.full_name
    )
    client.force_login(operator)
    page = client.get("/").content.decode()
    assert 'data-switchboard="0290.1022"' in page
    assert 'data-added-today="1" data-removed-today="0"' in page


def test_todays_changes_of_every_switchboard_are_one_query(world, django_assert_num_queries):
    line, (an, binh, _cuong), switchboard = world
    quiet = Switchboard.objects.create(hotline=HotlineFactory(unit=line.hotline.unit))
    yesterday = timezone.now() - datetime.timedelta(days=1)
    for agent, added_at, removed_at in [(an, timezone.now(), None), (binh, yesterday, timezone.now())]:
        RosterMember.objects.create(
            switchboard=switchboard,
            line=line,
            agent=agent,
            queue=QUEUE,
            interface=f"PJSIP/{agent.pk}",
            member_name=agent.full_name,
            added_at=added_at,
            removed_at=removed_at,
        )
    with django_assert_num_queries(1):
        changes = {
            each.pk: (each.added_today, each.removed_today)
            for each in Switchboard.objects.with_changes_today(timezone.now())
        }
    assert changes == {switchboard.pk: (1, 1), quiet.pk: (0, 0)}


def test_the_operators_dashboard_reads_todays_changes_of_all_switchboards_at_once(client, world, settings):
    line, (an, _binh, _cuong), _switchboard = world
    operator = UserFactory()
    line.hotline.unit.directors.add(operator)
    client.force_login(operator)
    # The on-duty board read afresh by both requests: a cached board expires on the clock, and
    # one of them could find it warm and the other cold.
    settings.ONCALL_CACHE_SECONDS = 0
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")

    for number in ["0290.1023", "0290.1024"]:
        other = Switchboard.objects.create(hotline=HotlineFactory(unit=line.hotline.unit, number=number))
        RosterMember.objects.create(
            switchboard=other, line=line, agent=an, queue=QUEUE, interface="PJSIP/201", member_name=an.full_name
        )
    with CaptureQueriesContext(connection) as three:
        page = client.get("/").content.decode()

    assert len(three) == len(one)
    assert page.count('data-added-today="1" data-removed-today="0"') == 2
    assert page.count('data-added-today="0" data-removed-today="0"') == 1
    assert page.index('data-switchboard="0290.1022"') < page.index('data-switchboard="0290.1024"')


def test_a_line_switched_off_or_a_deactivated_agent_is_not_put_in_the_queue(world):
    line, (an, _binh, _cuong), switchboard = world
    now = timezone.now()
    shift_with(line, [an], now - datetime.timedelta(minutes=1))
    assert [member.interface for member in plan(switchboard, now).add] == ["PJSIP/201"]
    an.active = False  # a deactivated agent leaves the queue too
    an.save()
    assert plan(switchboard, now).add == []
    an.active = True
    an.save()
    LineFollow.objects.create(line=line, follows_roster=False)
    assert plan(switchboard, now).add == []


def test_the_operator_switches_a_lines_queue_off_the_roster_and_on_again(client, world):
    line, (an, _binh, _cuong), switchboard = world
    now = timezone.now()
    shift_with(line, [an], now - datetime.timedelta(minutes=1))
    operator, director = UserFactory(), UserFactory()
    line.hotline.unit.directors.add(operator)
    line.unit.directors.add(director)

    client.force_login(director)  # the line's director sees the choice but may not change it
    page = client.get(f"/lines/{line.pk}/").content.decode()
    assert "data-switchboard-follow" in page and "Ngừng theo lịch" not in page
    assert client.post(f"/lines/{line.pk}/switchboard/", {"follows": "off"}).status_code == 404

    client.force_login(operator)
    assert "Ngừng theo lịch" in client.get(f"/lines/{line.pk}/").content.decode()
    client.post(f"/lines/{line.pk}/switchboard/", {"follows": "off"})
    assert plan(switchboard, now).add == []
    assert "quản lý thủ công" in client.get(f"/lines/{line.pk}/").content.decode()
    client.post(f"/lines/{line.pk}/switchboard/", {"follows": "on"})
    assert [member.interface for member in plan(switchboard, now).add] == ["PJSIP/201"]


def test_the_realtime_view_lists_the_agents_on_duty_per_queue(world):
    line, (an, binh, _cuong), _switchboard = world
    now = timezone.now()
    shift_with(line, [an], now - datetime.timedelta(minutes=1))
    shift_with(line, [binh], now + datetime.timedelta(hours=2))  # not yet
    with connection.cursor() as cursor:
        cursor.execute("SELECT queue_name, interface, membername FROM trucban_queue_members")
        assert cursor.fetchall() == [(QUEUE, "PJSIP/201", "Nguyễn Văn An")]


def test_the_wallboard_shows_callers_waiting_with_nobody_to_answer_and_the_escalation(client, world):
    line, (an, _binh, _cuong), switchboard = world
    operator = UserFactory()
    line.hotline.unit.directors.add(operator)
    client.force_login(operator)
    now = timezone.now()
    shift_with(line, [an], now - datetime.timedelta(minutes=1))
    assert "data-callers-waiting" not in client.get("/board/0290.1022").content.decode()

    join = {"Event": "QueueCallerJoin", "Queue": QUEUE, "Uniqueid": "1733.8", "Timestamp": str(now.timestamp())}
    handle_events(switchboard, [join], now=now)
    part = client.get("/board/0290.1022", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-callers-waiting="1"' in part
    assert "1 người gọi đang chờ · không có ai trong hàng đợi để trả lời" in part
    assert f"Đã báo động lúc {timezone.localtime(now):%H:%M}" in part


def test_callers_waiting_on_many_lines_are_read_in_two_queries(world, django_assert_num_queries):
    line, _agents, switchboard = world
    lines = [line] + [
        LineFactory(hotline=line.hotline, unit=line.unit, digit=str(digit), queue=f"q{digit}") for digit in (3, 4, 5)
    ]
    now = timezone.now()
    for index, each in enumerate(lines):
        WaitingCall.objects.create(switchboard=switchboard, line=each, uniqueid=f"1733.{index}", joined_at=now)
    QueueMemberState.objects.create(switchboard=switchboard, queue="q3", interface="PJSIP/203")
    QueueMemberState.objects.create(switchboard=switchboard, queue="q4", interface="PJSIP/204", paused=True)

    with django_assert_num_queries(2):
        waiting = callers_waiting([each.pk for each in lines])

    assert {pk: entry["nobody_present"] for pk, entry in waiting.items()} == {
        lines[0].pk: True,
        lines[1].pk: False,  # someone logged in on q3
        lines[2].pk: True,  # q4's only member is paused
        lines[3].pk: True,
    }
