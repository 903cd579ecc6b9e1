"""`calls/`, `staffing/calculator/` and `staffing/` of docs/reference.md §5."""

from hotline import staffing
from hotline.models import CallRecord, StaffingRequirement


def record(**fields):
    return {
        "id": "sw-1",
        "hotline": "0290.1022",
        "line": "2",
        "started_at": "2026-03-01T09:00:00+07:00",
        "answered_at": "2026-03-01T09:00:12+07:00",
        "ended_at": "2026-03-01T09:04:00+07:00",
        "caller": "0912345678",
        "agent_extension": "201",
        **fields,
    }


def test_posting_call_records_imports_them(api):
    response = api("operator").post(
        "/api/v1/calls/", [record(), record(id="sw-2", answered_at=None, agent_extension=None)], format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"imported": 2, "duplicate": 0}
    assert CallRecord.objects.get(source_id="sw-2").outcome == "abandoned"


def test_a_known_id_is_a_duplicate_even_if_its_fields_differ(api):
    client = api("operator")
    client.post("/api/v1/calls/", [record()], format="json")
    response = client.post("/api/v1/calls/", [record(ended_at="2026-03-01T09:09:00+07:00")], format="json")
    assert response.json() == {"imported": 0, "duplicate": 1}
    assert CallRecord.objects.get().ended_at.minute == 4


def test_one_bad_record_writes_nothing_and_names_index_and_field(api):
    response = api("operator").post(
        "/api/v1/calls/",
        [record(), record(id="sw-2", line="8"), record(id="sw-3", started_at="yesterday")],
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"1", "2"}
    assert "line" in errors["1"] and "started_at" in errors["2"]
    assert not CallRecord.objects.exists()


def test_a_nul_byte_or_an_overlong_field_is_a_400_naming_it_not_a_500(api, settings):
    settings.CALLER_NUMBERS = "keep"
    response = api("operator").post(
        "/api/v1/calls/",
        [
            record(id="sw\x00-1"),
            record(id="sw-2", agent_extension="2" * 33),
            record(id="sw-3", caller="0912\x00345678"),
            record(id="sw-4"),
        ],
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {index: list(fields) for index, fields in errors.items()} == {
        "0": ["id"],
        "1": ["agent_extension"],
        "2": ["caller"],
    }
    assert not CallRecord.objects.exists()


def test_a_body_that_is_not_a_list_is_a_400(api):
    response = api("operator").post("/api/v1/calls/", {"id": "x"}, format="json")
    assert response.status_code == 400
    assert "errors" in response.json()


def test_a_director_posts_only_to_their_lines(api):
    response = api("director-ldtbxh").post("/api/v1/calls/", [record()], format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["0"]["line"]


def test_an_agent_may_not_post_or_list_calls(api):
    assert api("agent").post("/api/v1/calls/", [record()], format="json").status_code == 403
    assert api("agent").get("/api/v1/calls/").status_code == 403


def test_listing_calls_filters_by_line_dates_and_missed(api, django_assert_max_num_queries):
    client = api("operator")
    posted = client.post(
        "/api/v1/calls/",
        [
            record(),
            record(id="sw-2", answered_at=None),
            record(id="sw-3", line="1"),
            record(
                id="sw-4",
                started_at="2026-03-02T09:00:00+07:00",
                answered_at="2026-03-02T09:00:05+07:00",
                ended_at="2026-03-02T09:01:00+07:00",
            ),
        ],
        format="json",
    )
    assert posted.json() == {"imported": 4, "duplicate": 0}
    with django_assert_max_num_queries(10):
        missed = client.get("/api/v1/calls/?line=2&missed=true&page_size=500").json()
    assert [c["id"] for c in missed["results"]] == ["sw-2"]
    day = client.get("/api/v1/calls/?hotline=0290.1022&start=2026-03-01&end=2026-03-01").json()
    assert sorted(c["id"] for c in day["results"]) == ["sw-1", "sw-2", "sw-3"]
    assert day["results"][0]["caller"] in ("091*****78", "")


def test_a_director_lists_only_their_lines_calls(api):
    api("operator").post("/api/v1/calls/", [record(), record(id="sw-3", line="1")], format="json")
    data = api("director").get("/api/v1/calls/").json()
    assert [c["line"] for c in data["results"]] == ["2"]


# Staffing ---------------------------------------------------------------------------------------


def test_erlang_c_meets_the_published_example():
    # 100 calls in 30 minutes, 3-minute calls, 80 % answered within 20 s (callcentrehelper.com).
    result = staffing.agents_needed(200, 180, 20, 0.8, shrinkage=0.3)
    assert result.agents == 14
    assert round(result.service_level, 3) == 0.888
    assert round(result.occupancy, 3) == 0.714
    assert result.agents_with_shrinkage == 20


def test_erlang_c_stays_finite_for_hundreds_of_agents():
    result = staffing.agents_needed(9000, 300, 20, 0.9)
    assert 750 < result.agents < 800
    assert 0 < result.waiting_probability < 1


def test_the_calculator_endpoint(api):
    response = api("agent").get(
        "/api/v1/staffing/calculator/?calls_per_hour=200&aht_seconds=180&target_answer_seconds=20"
        "&target_service_level=0.8&shrinkage=0.3"
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["agents"], data["agents_with_shrinkage"]) == (14, 20)
    assert abs(data["service_level"] - 0.888) < 0.001
    assert set(data) >= {"occupancy", "asa_seconds", "waiting_probability"}


def test_the_calculator_says_which_parameter_is_wrong(api):
    response = api("agent").get("/api/v1/staffing/calculator/?calls_per_hour=-1&aht_seconds=0")
    assert response.status_code == 400
    assert set(response.json()) == {"calls_per_hour", "aht_seconds"}


def test_staffing_from_history_needs_14_on_busy_mondays(api, history):
    response = api("director").get("/api/v1/staffing/?line=2&weeks=4")
    assert response.status_code == 200
    data = response.json()
    monday_nine = next(h for h in data["hours"] if h["weekday"] == 0 and h["hour"] == 9)
    assert monday_nine == {"weekday": 0, "hour": 9, "calls_per_hour": 200.0, "agents": 14}
    assert {h["agents"] for h in data["hours"] if (h["weekday"], h["hour"]) != (0, 9)} == {1}
    assert data["aht_seconds"] == 180
    assert len(data["hours"]) == 168


def test_applying_staffing_makes_the_lines_requirements(api, history):
    response = api("director").post("/api/v1/staffing/", {"line": "2", "weeks": 4}, format="json")
    assert response.status_code == 200
    monday = list(StaffingRequirement.objects.filter(line=history, weekday=0).order_by("start"))
    assert [(w.start.hour, w.end.hour, w.required) for w in monday] == [(0, 9, 1), (9, 10, 14), (10, 0, 1)]
    assert StaffingRequirement.objects.filter(line=history).count() == 3 + 6


def test_staffing_is_for_the_lines_managers(api, history):
    assert api("agent").get("/api/v1/staffing/?line=2").status_code == 403
    assert api("director-ldtbxh").get("/api/v1/staffing/?line=2").status_code == 400


def test_a_body_larger_than_the_upload_limit_is_refused_before_it_is_read(api, settings):
    settings.UPLOAD_MAX_MB = 1
    body = "[" + ",".join(['{"id": "x"}'] * 100_000) + "]"
    response = api("operator").post("/api/v1/calls/", body, content_type="application/json")
    assert response.status_code == 413
    assert CallRecord.objects.count() == 0
