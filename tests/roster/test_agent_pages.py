"""Pages of agents (check-out, leave, swaps, settings) and of directors (agents, leave, swaps)."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roster.models import Agent, Assignment, Leave, RosterBuild, Swap
from roster.notifications import outbox
from roster.services import roster_build_run
from tests.factories import AssignmentFactory, RosterFactory, ShiftFactory


def own_next():
    return Assignment.objects.filter(agent__user__username="agent", is_live=True).order_by("start").first()


def test_check_in_then_out_from_my_shifts(login):
    client = login("agent")
    assignment = own_next()
    with time_machine.travel(assignment.start + datetime.timedelta(minutes=2), tick=False):
        client.post(f"/me/assignments/{assignment.pk}/check-in/")
        page = client.get("/me/shifts/").content.decode()
        assert 'data-action="check-out"' in page
        client.post(f"/me/assignments/{assignment.pk}/check-out/")
    assignment.refresh_from_db()
    assert assignment.checked_out_at is not None


def test_an_agent_asks_for_leave_and_the_director_approves(login):
    agent_client = login("agent")
    start = timezone.localtime() + datetime.timedelta(days=30)
    response = agent_client.post(
        "/me/leave/",
        {"start": start.strftime("%d/%m/%Y 08:00"), "end": start.strftime("%d/%m/%Y 17:00"), "reason": "Việc gia đình"},
    )
    assert response.status_code == 302
    leave = Leave.objects.get(agent__user__username="agent", reason="Việc gia đình")
    assert leave.status == Leave.Status.REQUESTED
    assert timezone.localtime(leave.start) == start.replace(hour=8, minute=0, second=0, microsecond=0)

    director = login("director")
    assert f'data-leave="{leave.pk}"' in director.get("/leave/").content.decode()
    director.post(f"/leave/{leave.pk}/decide/", {"decision": "approve"})
    leave.refresh_from_db()
    assert leave.status == Leave.Status.APPROVED


def test_a_leave_that_ends_before_it_starts_is_a_field_error(login):
    response = login("agent").post("/me/leave/", {"start": "2027-01-10T08:00", "end": "2027-01-09T08:00"})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_a_leave_typed_another_way_says_how_to_type_it(login):
    response = login("agent").post("/me/leave/", {"start": "10/01/2027 8 giờ", "end": "01/10/2027 5:00 PM"})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("Hãy nhập ngày và giờ theo dạng dd/mm/yyyy hh:mm (giờ tính theo 24 giờ)") == 2
    assert 'placeholder="dd/mm/yyyy hh:mm"' in page


def test_offering_a_shift_shows_it_to_colleagues(login):
    client = login("agent")
    assignment = Assignment.objects.filter(
        agent__user__username="agent", is_live=True, start__gt=timezone.now() + datetime.timedelta(days=2)
    ).first()
    client.post(f"/me/assignments/{assignment.pk}/offer/")
    swap = Swap.objects.get(assignment=assignment)
    assert f'data-my-swap="{swap.pk}"' in client.get("/me/shifts/").content.decode()


def test_settings_change_channels_and_language(login):
    client = login("agent")
    response = client.post("/me/settings/", {"notify_by_sms": "on", "email": "", "language": "en"})
    assert response.status_code == 302
    agent = Agent.objects.get(user__username="agent")
    assert (agent.notify_by_email, agent.language) == (False, "en")
    assert response.cookies["django_language"].value == "en"


@pytest.mark.parametrize("url", ["/me/leave/", "/me/settings/"])
def test_agent_pages_need_an_agent(login, url):
    assert login("operator").get(url).status_code == 404


@pytest.mark.parametrize("url", ["/agents/", "/agents/new/", "/agents/import/", "/leave/"])
def test_director_pages_are_not_for_agents(login, url):
    assert login("agent").get(url).status_code == 403


def test_a_director_creates_an_agent_with_a_login_and_a_welcome(login, django_capture_on_commit_callbacks):
    client = login("director")
    line = Agent.objects.get(user__username="agent").lines.first()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/agents/new/",
            {
                "full_name": "Đỗ Thị Mai",
                "phone": "0918 123 456",
                "email": "mai@cdc.camau.gov.vn",
                "extension": "233",
                "unit": Agent.objects.get(user__username="agent").unit_id,
                "lines": [line.pk],
                "max_hours_per_week": 40,
                "language": "vi",
                "notify_by_sms": "on",
                "active": "on",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    agent = Agent.objects.get(phone="+84918123456")
    assert agent.user.username == "mai@cdc.camau.gov.vn"
    outbox.deliver(outbox.due_for_dispatch(timezone.now()))
    [welcome] = [m for m in mail.outbox if "mai@cdc.camau.gov.vn" in m.to]
    assert "/welcome/" in welcome.body and "mai@cdc.camau.gov.vn" in welcome.body


def test_a_bad_phone_is_a_field_error(login):
    response = login("director").post("/agents/new/", {"full_name": "X", "phone": "123"})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_deactivating_an_agent_with_shifts_offers_a_replan(login):
    client = login("director")
    agent = Agent.objects.get(user__username="agent")
    data = {
        "full_name": agent.full_name,
        "phone": agent.phone,
        "email": agent.email,
        "unit": agent.unit_id,
        "lines": [line.pk for line in agent.lines.all()],
        "max_hours_per_week": agent.max_hours_per_week,
        "language": "vi",
    }
    response = client.post(f"/agents/{agent.pk}/", data)
    assert response["Location"] == f"/agents/{agent.pk}/replan/"

    response = client.post(f"/agents/{agent.pk}/replan/")

    builds = RosterBuild.objects.filter(replan=True)
    first = builds.order_by("pk").first()
    assert response.status_code == 302 and f"build={first.pk}" in response["Location"], "to the build's progress"
    assert Assignment.objects.filter(agent=agent, is_live=True, start__gt=timezone.now()).exists(), "not yet"
    for build in builds:
        roster_build_run(build_id=build.pk)  # what the worker does
    assert not Assignment.objects.filter(agent=agent, is_live=True, start__gt=timezone.now()).exists()
    page = client.get(response["Location"]).content.decode()
    assert "data-build-replan" in page


def test_importing_agents_on_the_page_shows_bad_lines_and_writes_nothing(login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = "full_name,phone,email,unit,lines,max_hours_per_week\nA B,0912000111,,cdc,2,40\nC D,12,,cdc,2,40\n"
    response = login("director").post("/agents/import/", {"file": SimpleUploadedFile("agents.csv", csv.encode())})
    assert response.status_code == 400
    assert "data-import-errors" in response.content.decode()
    assert not Agent.objects.filter(phone="+84912000111").exists()


def test_a_bad_row_on_the_page_names_its_row_and_its_columns_in_vietnamese(login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = "full_name,phone,email,unit,lines,max_hours_per_week\nA B,0912000111,,cdc,2,40\nC D,12,,cdc,7,40\n"
    response = login("director").post("/agents/import/", {"file": SimpleUploadedFile("agents.csv", csv.encode())})
    page = response.content.decode()
    assert "Dòng 3: số điện thoại: " in page
    assert "nhánh: không có nhánh 7" in page
    assert "phone:" not in page and "nhánh 3" not in page


def test_an_agents_file_excel_saved_with_semicolons_imports_on_the_page(login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = "full_name;phone;email;unit;lines;max_hours_per_week\r\nNguyễn Thị Lan;0912000111;;cdc;2;40\r\n"
    response = login("director").post("/agents/import/", {"file": SimpleUploadedFile("agents.csv", csv.encode())})
    assert response.status_code == 302
    agent = Agent.objects.get(phone="+84912000111")
    assert (agent.full_name, agent.max_hours_per_week, agent.unit.code) == ("Nguyễn Thị Lan", 40, "cdc")
    assert list(agent.lines.values_list("digit", flat=True)) == ["2"]


def test_an_agents_file_over_the_upload_limit_is_refused_and_nothing_written(login, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_MB = 1
    csv = "full_name,phone,email,unit,lines,max_hours_per_week\nA B,0912000111,,cdc,2,40\n"
    too_big = csv.encode().ljust(1024 * 1024 + 1, b"\n")
    response = login("director").post("/agents/import/", {"file": SimpleUploadedFile("agents.csv", too_big)})
    assert response.status_code == 400
    assert "Tệp lớn hơn 1 MB" in response.content.decode()
    assert not Agent.objects.filter(phone="+84912000111").exists()


def test_a_director_cannot_import_into_another_unit(login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = "full_name,phone,email,unit,lines,max_hours_per_week\nA B,0912000111,,ldtbxh,1,40\n"
    response = login("director").post("/agents/import/", {"file": SimpleUploadedFile("a.csv", csv.encode())})
    assert response.status_code == 400


def test_my_shifts_lists_the_past_30_days_with_hours(login):
    agent = Agent.objects.get(user__username="agent")
    done = agent.assignments.filter(is_live=True).order_by("start").first()
    with time_machine.travel(done.end + datetime.timedelta(hours=1), tick=False):
        page = login("agent").get("/me/shifts/").content.decode()
    assert "data-past" in page
    assert f"{(done.end - done.start).total_seconds() / 3600:.1f}".replace(".", ",") in page


def test_my_shifts_lists_every_published_shift_ahead_by_month_in_a_few_queries(login):
    client = login("agent")
    agent = Agent.objects.get(user__username="agent")
    with CaptureQueriesContext(connection) as before:
        client.get("/me/shifts/")
    first = (timezone.localdate() + datetime.timedelta(days=70)).replace(day=1)
    roster = RosterFactory(start=first, end=first + datetime.timedelta(days=89))
    starts = [first + datetime.timedelta(days=7 * k) for k in range(12)]
    for day in starts:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(7)))
        shift = ShiftFactory(roster=roster, line=agent.lines.first(), start=start, required=1)
        AssignmentFactory(shift=shift, agent=agent)
    with CaptureQueriesContext(connection) as after:
        page = client.get("/me/shifts/").content.decode()
    assert len(after) == len(before)
    for day in starts:
        assert f"{day:%d/%m/%Y}" in page
    assert f">Tháng {first.month}/{first.year}</h2>" in page
    assert page.index(f"Tháng {first.month}/{first.year}") < page.index(f"{starts[-1]:%d/%m/%Y}")


def test_languages_are_offered_in_their_own_names(login):
    # As the language menu offers them: someone looking for English finds "English".
    for username, url in [("agent", "/me/settings/"), ("director", "/agents/new/")]:
        page = login(username).get(url).content.decode()
        assert '<option value="en">English</option>' in page and "Tiếng Anh" not in page
