"""The roster builder pages: build on a worker (run here in-process), fix by hand, pin, publish, print."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hotline.models import Line
from roster.models import Assignment, Roster, RosterBuild, Shift
from roster.services import roster_build_run


def period(days_ahead=20, length=7):
    start = timezone.localdate() + datetime.timedelta(days=days_ahead)
    return {"start": start.isoformat(), "end": (start + datetime.timedelta(days=length - 1)).isoformat()}


def line_2():
    return Line.objects.get(digit="2")


def builder(line, **query):
    query = query or period()
    return f"/lines/{line.pk}/roster/?start={query['start']}&end={query['end']}"


def build(client, line, query=None):
    """Press "Build automatically" and run the queued build as the worker would."""
    query = query or period()
    response = client.post(f"/lines/{line.pk}/roster/build/", query)
    build = RosterBuild.objects.latest("pk")
    assert response.status_code == 302 and f"build={build.pk}" in response["Location"]
    roster_build_run(build_id=build.pk)
    return build


@pytest.mark.parametrize("username", ["admin", "operator", "director"])
def test_managers_of_the_line_open_its_builder(login, username, django_assert_max_num_queries):
    client = login(username)
    with django_assert_max_num_queries(25):
        response = client.get(builder(line_2(), **period(0, 14)))
    assert response.status_code == 200
    assert 'data-roster="published"' in response.content.decode()


@pytest.mark.parametrize("username", ["director-ldtbxh", "agent"])
def test_others_get_a_404(login, username):
    assert login(username).get(builder(line_2())).status_code == 404


def test_a_bad_period_is_a_form_error_not_a_500(login):
    response = login("director").get(f"/lines/{line_2().pk}/roster/?start=2027-03-10&end=2027-03-01")
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_the_period_reads_dd_mm_yyyy_whatever_the_link_wrote(login):
    client = login("director")
    page = client.get(f"/lines/{line_2().pk}/roster/?start=2026-12-13&end=2026-12-20").content.decode()
    assert 'value="13/12/2026"' in page and 'value="20/12/2026"' in page
    assert 'type="date"' not in page
    typed = client.get(f"/lines/{line_2().pk}/roster/?start=13/12/2026&end=20/12/2026")
    assert typed.status_code == 200
    assert typed.context["start"] == datetime.date(2026, 12, 13)


def test_a_day_typed_the_american_way_is_refused_in_vietnamese(login):
    response = login("director").get(f"/lines/{line_2().pk}/roster/?start=12/13/2026&end=12/20/2026")
    assert response.status_code == 400
    assert "Hãy nhập ngày theo dạng dd/mm/yyyy, ví dụ 02/12/2026." in response.content.decode()


def test_a_whole_month_is_picked_as_thang(login):
    response = login("director").get(f"/lines/{line_2().pk}/roster/?month=2027-01")
    page = response.content.decode()
    assert (response.context["start"], response.context["end"]) == (
        datetime.date(2027, 1, 1),
        datetime.date(2027, 1, 31),
    )
    assert 'value="01/01/2027"' in page and 'value="31/01/2027"' in page
    assert '<option value="2027-01" selected>Tháng 1/2027</option>' in page


def test_building_shows_progress_then_the_result(login):
    client = login("director")
    line = line_2()
    response = client.post(f"/lines/{line.pk}/roster/build/", period())
    queued = RosterBuild.objects.latest("pk")
    progress = client.get(f"/builds/{queued.pk}/", HTTP_HX_REQUEST="true")
    assert 'data-build-status="queued"' in progress.content.decode()

    roster_build_run(build_id=queued.pk)
    done = client.get(f"/builds/{queued.pk}/", HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"].endswith(f"build={queued.pk}")
    page = client.get(response["Location"]).content.decode()
    assert "data-build-result" in page
    assert "21/21" in page
    assert 'data-roster="draft"' in page


def test_a_short_staffed_build_says_no_roster_can_fill_more(login):
    client = login("director")
    line = line_2()
    line.agents.exclude(pk=line.agents.order_by("pk").first().pk).update(active=False)
    response = client.post(f"/lines/{line.pk}/roster/build/", period())
    roster_build_run(build_id=RosterBuild.objects.latest("pk").pk)
    build = RosterBuild.objects.latest("pk")
    assert build.result["filled"] == build.result["most"] < build.result["required"]
    page = client.get(response["Location"]).content.decode()
    assert "Không lịch nào xếp được nhiều hơn" in page
    assert "đây là lịch đầy đủ nhất có thể (bộ lập lịch đã chứng minh)" in page


def test_adding_an_agent_who_breaks_the_rest_rule_says_which_shift_and_what_is_needed(login):
    client = login("director")
    line = line_2()
    build(client, line)
    draft = Roster.objects.get(status=Roster.Status.DRAFT)
    first = draft.shifts.order_by("start").first()
    second = draft.shifts.filter(start=first.end).first()
    worker = first.assignments.first().agent
    response = client.post(f"/shifts/{second.pk}/add/", {"agent": worker.pk, **period()}, follow=True)
    page = response.content.decode()
    assert '<div class="alert alert-danger">' in page
    assert f"{worker.full_name} vừa trực" in page
    assert f"{first.times} ngày {first.day:%d/%m}; cần nghỉ đủ 12 giờ trước ca tiếp theo." in page
    assert "quy tắc" not in page.lower() and "rule" not in page.lower()
    assert not second.assignments.filter(agent=worker).exists()


def test_live_check_says_ok_or_names_the_rule(login):
    client = login("director")
    line = line_2()
    build(client, line)
    draft = Roster.objects.get(status=Roster.Status.DRAFT)
    first = draft.shifts.order_by("start").first()
    second = draft.shifts.filter(start=first.end).first()
    worker = first.assignments.first().agent
    check = client.get(f"/shifts/{second.pk}/check/?agent={worker.pk}").content.decode()
    assert 'data-check="breaks"' in check


def test_removing_and_pinning_in_the_draft(login):
    client = login("director")
    build(client, line_2())
    assignment = Assignment.objects.filter(shift__roster__status=Roster.Status.DRAFT).first()
    client.post(f"/assignments/{assignment.pk}/pin/", period())
    assignment.refresh_from_db()
    assert assignment.pinned
    client.post(f"/assignments/{assignment.pk}/remove/", period())
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_publishing_shows_who_gains_what_then_publishes(login):
    client = login("director")
    build(client, line_2())
    draft = Roster.objects.get(status=Roster.Status.DRAFT)
    summary = client.get(f"/rosters/{draft.pk}/publish/").content.decode()
    assert 'data-table="changes"' in summary
    response = client.post(f"/rosters/{draft.pk}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Roster.Status.PUBLISHED


def test_another_units_director_cannot_publish(login):
    build(login("director"), line_2())
    draft = Roster.objects.get(status=Roster.Status.DRAFT)
    assert login("director-ldtbxh").post(f"/rosters/{draft.pk}/publish/").status_code == 403


def test_the_printed_roster_has_the_administrative_layout(login):
    page = login("director").get(f"/lines/{line_2().pk}/roster/print/?{_q(period(0, 7))}").content.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
    assert "Độc lập - Tự do - Hạnh phúc" in page
    assert "TRUNG TÂM KIỂM SOÁT BỆNH TẬT" in page
    assert "LỊCH TRỰC" in page
    assert "GIÁM ĐỐC" in page
    printed = Assignment.objects.filter(
        is_live=True, shift__line__digit="2", start__gte=timezone.now() + datetime.timedelta(days=1)
    ).order_by("start")
    assert printed.first().agent.phone_display in page


def test_the_xlsx_export_is_the_printed_document_with_a_row_a_day(login):
    response = login("director").get(f"/lines/{line_2().pk}/roster/xlsx/?{_q(period(0, 7))}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Lịch trực nhánh 2"
    texts = {cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    heading = {"SỞ Y TẾ TỈNH CÀ MAU", "TRUNG TÂM KIỂM SOÁT BỆNH TẬT TỈNH CÀ MAU", "Số:        /LT-CDC"}
    assert heading | {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"} <= texts
    assert {"LỊCH TRỰC TỔNG ĐÀI DỊCH VỤ CÔNG 1022", "Nơi nhận:", "GIÁM ĐỐC", "Nguyễn Văn Minh"} <= texts
    days = [row for row in sheet.iter_rows() if isinstance(row[1].value, datetime.datetime)]
    assert len(days) == 7
    today = timezone.localdate()
    assert days[0][1].value.date() == today and days[0][1].number_format == "dd/mm/yyyy"
    weekdays = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
    assert [row[0].value for row in days] == [weekdays[(today.weekday() + n) % 7] for n in range(7)]
    assert any("(" in (cell.value or "") for cell in days[0][2:])
    header = days[0][0].row - 1
    assert [cell.value for cell in sheet[header]][:3] == ["Thứ", "Ngày", "Ca 07:00 – 19:00"]
    assert sheet.print_title_rows == f"${header}:${header}"
    setup = sheet.page_setup
    assert (setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (int(sheet.PAPERSIZE_A4), 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


def _q(query):
    return f"start={query['start']}&end={query['end']}"


def test_why_a_place_stayed_empty_reads_in_vietnamese(login):
    from roster.models import Agent, Leave

    client = login("director")
    line = line_2()
    query = period(length=2)
    start = timezone.make_aware(datetime.datetime.fromisoformat(query["start"]))
    for agent in Agent.objects.filter(lines=line, active=True):
        Leave.objects.create(
            agent=agent, start=start, end=start + datetime.timedelta(days=3), status=Leave.Status.APPROVED
        )
    built = build(client, line, query)
    page = client.get(builder(line, **query) + f"&build={built.pk}").content.decode()
    assert "đang nghỉ phép hoặc vắng mặt" in page
    # The engine's English never reaches the page.
    assert "qualified for line" not in page and "on leave or unavailable" not in page


@pytest.mark.parametrize("value", ["abc", "", "1.5"])
def test_an_agent_id_that_is_not_a_number_is_no_agent(login, value):
    # Hand-edited forms and htmx requests: "Choose an agent." on the page, never a 500.
    client = login("director")
    shift = Shift.objects.filter(line__digit="2").first()
    assert client.get(f"/shifts/{shift.pk}/check/?agent={value}").status_code == 200
    page = client.post(f"/shifts/{shift.pk}/add/", {"agent": value}, follow=True)
    assert page.status_code == 200
    assert "Hãy chọn một cán bộ." in page.content.decode()
