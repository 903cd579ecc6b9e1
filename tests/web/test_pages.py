"""Signing in, the home page of each role, and who may open which page."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from hotline.models import CallRecord, Line
from roster.models import Assignment, Leave


def line(digit):
    return Line.objects.get(hotline__number="0290.1022", digit=digit)


@pytest.mark.parametrize(
    "url",
    ["/", "/me/shifts/", "/lines/1/", "/admin/"],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") or response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/password_reset/", "/healthz"])
def test_public_pages_open_without_signing_in(client, db, url):
    assert client.get(url).status_code == 200


def test_signing_in_with_the_demo_password_leads_home(client, demo):
    response = client.post(reverse("login"), {"username": "director", "password": "trucban-demo"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_shows_an_error_on_the_form(client, demo):
    response = client.post(reverse("login"), {"username": "director", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_the_director_sees_their_line_with_who_is_on_duty_now(login, django_assert_max_num_queries):
    client = login("director")
    # session, user, is_manager, the permission subqueries' unit tree, lines, staffing, shifts,
    # assignments+agents, agent_of, escalations, missed calls, failed notifications, and the
    # on-duty board when its cache is cold (lines, staffing, shifts, assignments), whose phones the
    # director may see (6), the hotlines they operate, their switchboards with today's changes and
    # the beat's jobs: none grows with the data
    with django_assert_max_num_queries(33):
        response = client.get("/")
    assert response.status_code == 200
    assert [s.line.digit for s in response.context["statuses"]] == ["2"]
    status = response.context["statuses"][0]
    assert status.on_duty, "the demo roster covers now"
    content = response.content.decode()
    assert 'data-heatmap="2"' in content
    assert content.count("hm-full") >= 14 * 24  # the demo covers every hour of the next two weeks
    assert "Phản ánh về công tác phòng, chống dịch" in content
    assert status.on_duty[0].agent.full_name in content
    assert status.on_duty[0].agent.phone_display in content


def test_the_operator_sees_every_line_of_the_hotline(login):
    response = login("operator").get("/")
    assert [s.line.digit for s in response.context["statuses"]] == ["1", "2", "3"]


def test_the_health_department_director_sees_the_cdc_line_too(login):
    response = login("director-syt").get("/")
    assert [s.line.digit for s in response.context["statuses"]] == ["2", "3"]


def test_the_agent_sees_their_own_upcoming_shifts(login, django_assert_max_num_queries):
    client = login("agent")
    # session, user, is_manager, agent, upcoming assignments, shifts on now and
    # their assignments, the navbar's user.agent
    with django_assert_max_num_queries(13):
        response = client.get("/")
    assert response.status_code == 200
    upcoming = list(response.context["upcoming"])
    assert upcoming, "the demo gives the agent shifts in the next 14 days"
    assert {a.agent.user.username for a in upcoming} == {"agent"}
    assert "Nguyễn Thị Hồng Nhung" in response.content.decode()


def test_a_user_without_a_role_is_told_so(client, demo):
    client.force_login(get_user_model().objects.create_user("newcomer"))
    response = client.get("/")
    assert response.status_code == 403
    assert "no role" in response.content.decode() or "chưa có vai trò" in response.content.decode()


def test_a_director_opens_the_roster_of_their_line(login, django_assert_max_num_queries):
    client = login("director")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("line_detail", args=[line("2").pk]))
    assert response.status_code == 200
    assert len(response.context["days"]) >= 15


@pytest.mark.parametrize(
    ("username", "digit"),
    [("director", "1"), ("director", "3"), ("director-ldtbxh", "2"), ("agent", "2")],
)
def test_nobody_opens_a_line_outside_their_scope(login, username, digit):
    response = login(username).get(reverse("line_detail", args=[line(digit).pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("username", ["admin", "operator"])
def test_admin_and_operator_open_any_line_of_the_hotline(login, username):
    for digit in "123":
        assert login(username).get(reverse("line_detail", args=[line(digit).pk])).status_code == 200


def test_my_shifts_is_not_found_for_a_director_who_is_not_an_agent(login):
    assert login("director").get(reverse("my_shifts")).status_code == 404


@pytest.mark.parametrize("username", ["director", "operator", "agent"])
def test_only_admins_reach_the_admin_site(login, username):
    response = login(username).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_reaches_the_admin_site(login):
    assert login("admin").get("/admin/roster/assignment/").status_code == 200


def test_signing_out_takes_a_post_and_ends_the_session(login):
    client = login("agent")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_staffed_on_the_dashboard_follows_the_check_ins(login):
    """The badge is the oncall/ rule: after the grace period, holding a shift is not enough."""
    client = login("director")
    now = timezone.now()
    on_now = Assignment.objects.filter(shift__line__digit="2", is_live=True, start__lte=now, end__gt=now)
    on_now.update(status=Assignment.Status.ASSIGNED, checked_in_at=None)  # the demo loads them checked in
    started = on_now.first().start
    with time_machine.travel(max(now, started + datetime.timedelta(minutes=30)), tick=False):
        response = client.get("/")
        before = response.context["statuses"][0].staffed
        assert "data-not-checked-in" in response.content.decode()
        for assignment in on_now:
            assignment.status, assignment.checked_in_at = Assignment.Status.CHECKED_IN, started
            assignment.save()
        after = client.get("/").context["statuses"][0].staffed
    assert (before, after) == (False, True)


def test_missed_calls_today_show_on_the_line(login):
    line = Line.objects.get(digit="2")
    now = timezone.now()
    CallRecord.objects.create(
        hotline=line.hotline, line=line, source_id="m1", started_at=now, ended_at=now, outcome="abandoned"
    )
    content = login("director").get("/").content.decode()
    assert 'data-missed-today="1"' in content


def test_a_missing_page_is_explained_in_vietnamese_in_the_sites_layout(login):
    response = login("director").get("/lines/999999/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Không tìm thấy trang" in content
    assert 'href="/"' in content
    assert "navbar" in content


def test_a_refused_page_is_explained_in_vietnamese(login):
    response = login("agent").get("/agents/")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


def test_a_refusal_message_shows_as_a_red_alert(login):
    client = login("director-syt")
    leave = Leave.objects.filter(status=Leave.Status.REQUESTED).first()
    client.post(f"/leave/{leave.pk}/decide/", {"decision": "approve"})
    response = client.post(f"/leave/{leave.pk}/decide/", {"decision": "approve"}, follow=True)
    assert 'class="alert alert-danger"' in response.content.decode()
