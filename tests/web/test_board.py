"""The wallboard /board/<hotline number>: on duty now per line, for the call centre's screen."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from roster.models import Assignment


@pytest.mark.parametrize("username", ["admin", "operator", "director", "director-ldtbxh", "agent"])
def test_everyone_of_the_hotline_sees_its_board(login, username, django_assert_max_num_queries):
    client = login(username)
    # With the callers waiting and the open escalations (two queries), read fresh on each refresh.
    with django_assert_max_num_queries(17):
        response = client.get("/board/0290.1022")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-line=") == 3
    assert 'hx-trigger="every 15s"' in page


def test_the_board_names_who_is_on_and_their_check_in(login):
    page = login("operator").get("/board/0290.1022").content.decode()
    now = timezone.now()
    on_now = Assignment.objects.filter(is_live=True, shift__line__digit="2", start__lte=now, end__gt=now).first()
    assert on_now.agent.full_name in page


def test_htmx_gets_only_the_lines(login):
    response = login("operator").get("/board/0290.1022", HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert 'data-line="2"' in response.content.decode()


def test_anonymous_is_sent_to_sign_in(demo):
    response = Client().get("/board/0290.1022")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_of_no_unit_gets_a_404(demo, client):
    client.force_login(get_user_model().objects.create_user("stranger"))
    assert client.get("/board/0290.1022").status_code == 404


def test_an_unknown_hotline_is_a_404(login):
    assert login("admin").get("/board/0000.0000").status_code == 404


def test_the_board_opens_with_the_number_written_without_its_dots(login):
    client = login("operator")
    response = client.get("/board/02901022")
    assert response.status_code == 200
    assert response.content.decode().count("data-line=") == 3
    assert client.get("/board/0290102").status_code == 404
