"""The wallboard's phones, and its key: a wall screen nobody signs in to opens /board/<number>?key=."""

from django.test import Client
from django.utils import timezone

from hotline.models import Hotline, new_board_key
from roster.models import Assignment

BOARD = "/board/0290.1022"


def hotline():
    return Hotline.objects.get(number="0290.1022")


def on_duty_phones(digit=None):
    now = timezone.now()
    on_now = Assignment.objects.filter(is_live=True, start__lte=now, end__gt=now).select_related("agent")
    if digit:
        on_now = on_now.filter(shift__line__digit=digit)
    return {a.agent.phone_display for a in on_now}


def test_an_agent_sees_the_phones_of_their_own_line_on_the_board(login):
    response = login("agent").get(BOARD)
    phones = {entry["line"]: [a["phone_display"] for a in entry["agents"]] for entry in response.context["entries"]}
    assert phones["2"] and None not in phones["2"]
    assert set(phones["1"]) == {None} and set(phones["3"]) == {None}
    page = response.content.decode()
    assert on_duty_phones("2") and all(phone in page for phone in on_duty_phones("2"))
    assert not any(phone in page for phone in on_duty_phones("1"))


def test_the_operator_sees_every_phone_on_the_board(login):
    page = login("operator").get(BOARD).content.decode()
    assert all(phone in page for phone in on_duty_phones())


def test_with_its_key_the_board_opens_without_signing_in_and_shows_no_phone(demo):
    response = Client().get(f"{BOARD}?key={hotline().board_key}")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-line=") == 3
    on_now = Assignment.objects.filter(is_live=True, start__lte=timezone.now(), end__gt=timezone.now())
    assert on_now.first().agent.full_name in page
    assert "data-checked-in=" in page
    assert "data-phone" not in page and "data-unit-phone" not in page
    assert not any(phone in page for phone in on_duty_phones())
    # The page refreshes itself with the same key.
    assert f'hx-get="{BOARD}?key={hotline().board_key}"' in page


def test_the_refresh_with_the_key_works_without_signing_in(demo):
    response = Client().get(f"{BOARD}?key={hotline().board_key}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert 'data-line="2"' in response.content.decode()


def test_a_wrong_key_is_refused(demo):
    assert Client().get(f"{BOARD}?key={new_board_key()}").status_code == 404
    assert Client().get(f"{BOARD}?key=").status_code == 404
    assert Client().get(f"{BOARD}?key=khóa-sai").status_code == 404


def test_every_hotline_gets_its_own_key(demo):
    other = Hotline.objects.create(name="Tổng đài khác", number="0290.9999", unit=hotline().unit)
    assert len(other.board_key) >= 32 and other.board_key != hotline().board_key


def test_the_operator_finds_the_wall_screen_address_on_the_dashboard(login):
    page = login("operator").get("/").content.decode()
    assert f"{BOARD}?key={hotline().board_key}" in page
    assert 'data-action="reset-board-key"' in page


def test_the_operators_pages_link_to_the_wallboard(login):
    client = login("operator")
    for url in ("/", "/calls/"):
        assert f'href="{BOARD}"' in client.get(url).content.decode(), url


def test_a_director_does_not_see_the_wall_screen_address(login):
    page = login("director").get("/").content.decode()
    assert hotline().board_key not in page
    assert "data-wallboard" not in page


def test_resetting_the_key_makes_the_old_address_stop_working(login):
    old = hotline().board_key
    response = login("operator").post(f"/hotlines/{hotline().pk}/board-key/")
    assert response.status_code == 302
    new = hotline().board_key
    assert new != old
    assert Client().get(f"{BOARD}?key={old}").status_code == 404
    assert Client().get(f"{BOARD}?key={new}").status_code == 200


def test_only_the_operator_resets_the_key(login):
    old = hotline().board_key
    for username in ["director", "director-syt", "agent"]:
        assert login(username).post(f"/hotlines/{hotline().pk}/board-key/").status_code == 404, username
    assert Client().post(f"/hotlines/{hotline().pk}/board-key/").status_code == 302  # to sign in
    assert hotline().board_key == old


def test_resetting_the_key_takes_a_post(login):
    old = hotline().board_key
    assert login("operator").get(f"/hotlines/{hotline().pk}/board-key/").status_code == 405
    assert hotline().board_key == old


def test_resetting_the_key_needs_the_csrf_token(demo):
    old = hotline().board_key
    client = Client(enforce_csrf_checks=True)
    client.force_login(hotline().unit.directors.get())
    assert client.post(f"/hotlines/{hotline().pk}/board-key/").status_code == 403
    assert hotline().board_key == old
