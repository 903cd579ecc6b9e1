"""The staffing calculator page and a line's staffing from its calls."""

from hotline.models import Line, StaffingRequirement


def test_the_calculator_page_gives_the_published_example(login):
    query = "calls_per_hour=200&aht_seconds=180&target_answer_seconds=20&target_service_level=0.8&shrinkage=0.3"
    page = login("agent").get(f"/staffing/calculator/?{query}").content.decode()
    assert "data-agents>14<" in page
    assert "20" in page


def test_the_calculator_takes_percentages_and_decimal_commas(login):
    query = "calls_per_hour=200,0&aht_seconds=180&target_answer_seconds=20&target_service_level=80+%25&shrinkage=30%25"
    page = login("agent").get(f"/staffing/calculator/?{query}").content.decode()
    assert "data-agents>14<" in page
    assert 'value="80 %"' in page and 'value="30 %"' in page and 'value="200"' in page


def test_a_share_over_the_limit_is_refused_in_percent(login):
    response = login("agent").get("/staffing/calculator/?calls_per_hour=200&aht_seconds=180&target_service_level=100")
    assert response.status_code == 400
    assert "Hãy nhập tỷ lệ phần trăm từ 1 % đến 99,9 %." in response.content.decode()


def test_a_bad_figure_is_a_field_error(login):
    response = login("agent").get("/staffing/calculator/?calls_per_hour=-5&aht_seconds=180")
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_a_director_reviews_and_applies_the_lines_needs(login, history):
    client = login("director")
    page = client.get(f"/lines/{history.pk}/staffing/?weeks=4").content.decode()
    assert 'data-table="needs"' in page
    assert ">14<" in page  # Monday 09:00
    response = client.post(f"/lines/{history.pk}/staffing/", {"weeks": "4"})
    assert response.status_code == 302
    assert StaffingRequirement.objects.get(line=history, weekday=0, start__hour=9).required == 14


def test_only_the_lines_managers_see_its_staffing(login):
    line = Line.objects.get(digit="2")
    assert login("director-ldtbxh").get(f"/lines/{line.pk}/staffing/").status_code == 404
    assert login("agent").get(f"/lines/{line.pk}/staffing/").status_code == 404
