"""One tap from an SMS: the link in a reminder or an escalation opens a page, without signing
in, that offers exactly the actions of its message, each once, until the shift ends."""

import datetime
import re
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roster import services, tasks
from roster.models import ActionLink, Assignment, Escalation, Notification
from roster.notifications import escalation, outbox, reminders
from roster.notifications.gateways import locmem
from tests.factories import AgentFactory, AssignmentFactory, LineFactory, RosterFactory, ShiftFactory, UserFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
START = datetime.datetime(2026, 12, 1, 7, 0, tzinfo=TZ)
LINK = re.compile(r"http\S+/s/([\w-]+)$")
# The GSM 03.38 basic alphabet: an SMS of these characters alone holds 160 of them.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.fixture(autouse=True)
def sms_settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.SMS_STRIP_DIACRITICS = True
    settings.REMINDER_LEAD_TIMES = "24h,1h"
    settings.CHECKIN_GRACE_MINUTES = 10
    settings.SITE_URL = "http://127.0.0.1:8000"
    locmem.outbox.clear()


@pytest.fixture
def line():
    """Line 2 of a unit without a phone number, whose director reads email."""
    line = LineFactory(digit="2", hotline__number="0290.1022", unit__phone="")
    line.unit.directors.add(UserFactory(username="director", email="director@trucban.example"))
    return line


@pytest.fixture
def shift(line):
    roster = RosterFactory(
        start=START.date() - datetime.timedelta(days=1), end=START.date() + datetime.timedelta(days=1)
    )
    roster.lines.set([line])
    return ShiftFactory(roster=roster, line=line, start=START, end=START + datetime.timedelta(hours=12), required=1)


@pytest.fixture
def assignment(shift, line):
    agent = AgentFactory(unit=line.unit, lines=[line], full_name="Trần Văn Phúc")
    return AssignmentFactory(shift=shift, agent=agent, created_at=START - datetime.timedelta(days=5))


def sms_to(agent) -> str:
    [body] = [m["body"] for m in locmem.outbox if m["to"] == agent.phone]
    return body


def link_in(body) -> str:
    match = LINK.search(body)
    assert match, body
    return reverse("action_link", args=[match[1]])


def send_reminders(now):
    reminders.create_due_reminders(now)
    outbox.deliver(outbox.due_for_dispatch(now))


def escalate(now):
    escalation.raise_escalations(now)
    outbox.deliver(outbox.due_for_dispatch(now))


def buttons(response) -> list[str]:
    return re.findall(r'data-action="(\w+)"', response.content.decode())


def tap(client, url, action):
    return client.post(url, {"action": action}, follow=True)


def test_a_reminder_link_confirms_once_and_checks_in_when_the_shift_is_on(assignment):
    client = Client()
    with time_machine.travel(START - datetime.timedelta(hours=23), tick=False):
        send_reminders(timezone.now())
        url = link_in(sms_to(assignment.agent))
        assert buttons(client.get(url)) == ["confirm", "decline"], "no check-in a day before"
        page = tap(client, url, "confirm")
        assert "alert-success" in page.content.decode()
        assignment.refresh_from_db()
        assert assignment.status == Assignment.Status.CONFIRMED
        assert buttons(page) == ["decline"]
        again = tap(client, url, "confirm")
        assert "đã" in again.content.decode() and "alert-success" not in again.content.decode()
    with time_machine.travel(START - datetime.timedelta(minutes=10), tick=False):
        assert buttons(client.get(url)) == ["check_in", "decline"]
        tap(client, url, "check_in")
        assignment.refresh_from_db()
        assert assignment.status == Assignment.Status.CHECKED_IN
        assert buttons(client.get(url)) == []
    assert not client.session.get("_auth_user_id"), "the link signs nobody in"
    assert client.get(reverse("my_shifts")).status_code == 302


def test_i_cannot_come_declines_and_tells_the_directors_at_once(assignment, mailoutbox):
    client = Client()
    with time_machine.travel(START - datetime.timedelta(minutes=50), tick=False):
        send_reminders(timezone.now())
        url = link_in(sms_to(assignment.agent))
        tap(client, url, "decline")
        outbox.deliver(outbox.due_for_dispatch(timezone.now()))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.DECLINED
    assert [m.to for m in mailoutbox] == [["director@trucban.example"]], "the urgent gap alert"


def test_an_absent_agent_checks_in_or_cannot_come_from_the_escalation_sms(assignment, line):
    other = AssignmentFactory(
        shift=assignment.shift,
        agent=AgentFactory(unit=line.unit, lines=[line], full_name="Lê Thị Hoa"),
        created_at=assignment.created_at,
    )
    assignment.shift.required = 2
    assignment.shift.save()
    client = Client()
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        escalate(timezone.now())
        url, other_url = link_in(sms_to(assignment.agent)), link_in(sms_to(other.agent))
        assert buttons(client.get(url)) == ["check_in", "decline"]
        tap(client, url, "check_in")
        tap(client, other_url, "decline")
    assignment.refresh_from_db(), other.refresh_from_db()
    assert (assignment.status, other.status) == (Assignment.Status.CHECKED_IN, Assignment.Status.DECLINED)
    assert Notification.objects.filter(kind=Notification.Kind.GAPS).exists()


def test_the_first_standby_agent_to_tap_takes_the_shift_and_the_others_see_it_taken(assignment, line):
    first = AgentFactory(unit=line.unit, lines=[line], full_name="Lê Thị Thu Trang")
    second = AgentFactory(unit=line.unit, lines=[line], full_name="Phạm Minh Tuấn")
    first_client, second_client = Client(), Client()
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        escalate(timezone.now())
        first_url, second_url = link_in(sms_to(first)), link_in(sms_to(second))
        assert buttons(second_client.get(second_url)) == ["take"]
        page = tap(first_client, first_url, "take")
        assert "alert-success" in page.content.decode()
        assert buttons(page) == ["check_in"], "whoever takes it checks in from the same link"
        assert "data-taken" in second_client.get(second_url).content.decode()
        refused = tap(second_client, second_url, "take")
        assert "alert-success" not in refused.content.decode()
        tap(first_client, first_url, "check_in")
    taken = Assignment.objects.get(shift=assignment.shift, agent=first)
    assert taken.status == Assignment.Status.CHECKED_IN
    assert taken.is_extra, "the absent agent still holds the place, so the cover is extra"
    assert not Assignment.objects.filter(agent=second).exists()
    with time_machine.travel(START + datetime.timedelta(minutes=12), tick=False):
        escalation.resolve(timezone.now())
    assert Escalation.objects.get().resolved_at is not None


def test_taking_a_shift_is_checked_by_the_engines_rules(assignment, line):
    stranger = AgentFactory(unit=line.unit, full_name="Đỗ Thị Mai")  # answers no line
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        escalate(timezone.now())
        link = ActionLink.objects.create(
            agent=stranger, shift=assignment.shift, actions=["take"], expires_at=assignment.shift.end
        )
        page = tap(Client(), link.get_absolute_url(), "take")
    assert "alert-success" not in page.content.decode()
    assert not Assignment.objects.filter(agent=stranger).exists()


def test_taking_a_shift_weighs_extra_cover_at_the_moment_of_the_tap(assignment, line):
    # Whether a full shift may take extra cover is weighed at the tap's `now`, as its end and
    # open places are, not by the clock of whoever runs the check: here a clock days earlier.
    tapped = START + datetime.timedelta(minutes=11)
    Escalation.objects.create(shift=assignment.shift, unit=line.unit, missing=1, opened_at=tapped)
    cover = AgentFactory(unit=line.unit, lines=[line], full_name="Lê Thị Thu Trang")
    with time_machine.travel(START - datetime.timedelta(days=3), tick=False):
        taken = services.shift_take(shift=assignment.shift, agent=cover, now=tapped)
    assert taken.is_extra, "the absent agent still holds the place, so the cover is extra"
    assert (taken.status, taken.confirmed_at) == (Assignment.Status.CONFIRMED, tapped)


def test_a_link_does_only_what_its_message_offered(assignment, line):
    standby = AgentFactory(unit=line.unit, lines=[line], full_name="Lê Thị Thu Trang")
    client = Client()
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        escalate(timezone.now())
        url = link_in(sms_to(standby))
        tap(client, url, "decline")
        tap(client, url, "check_in")
        tap(client, url, "delete-everything")
    assert not Assignment.objects.filter(agent=standby).exists()
    assert assignment.shift.assignments.get().status == Assignment.Status.ASSIGNED


def test_get_never_writes_and_post_needs_the_csrf_token(assignment):
    with time_machine.travel(START - datetime.timedelta(minutes=10), tick=False):
        send_reminders(timezone.now())
        url = link_in(sms_to(assignment.agent))
        client = Client(enforce_csrf_checks=True)
        client.get(url, {"action": "check_in"})
        assert client.post(url, {"action": "check_in"}).status_code == 403
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ASSIGNED


def test_an_expired_or_unknown_link_gets_a_clear_page_and_guessing_is_throttled(assignment, settings):
    settings.SMS_LINK_MISSES_PER_HOUR = 3
    link = ActionLink.for_shifts([(assignment.agent, assignment.shift, ["confirm"], assignment)])[
        assignment.agent_id, assignment.shift_id
    ]
    assert len(link.token) >= 11
    client = Client()
    with time_machine.travel(START + datetime.timedelta(hours=12), tick=False):
        gone = client.get(link.get_absolute_url())
        assert gone.status_code == 410 and "hết hạn" in gone.content.decode()
        assert tap(client, link.get_absolute_url(), "confirm").status_code == 410
    for _ in range(3):
        unknown = client.get(reverse("action_link", args=["AAAAAAAAAAA"]))
        assert unknown.status_code == 404 and "không tồn tại" in unknown.content.decode()
    throttled = client.get(reverse("action_link", args=["BBBBBBBBBBB"]))
    assert throttled.status_code == 429 and throttled["Retry-After"]


def test_a_spent_link_says_it_expired_for_a_week_then_the_nightly_job_deletes_it(assignment):
    link = ActionLink.for_shifts([(assignment.agent, assignment.shift, ["confirm"], assignment)])[
        assignment.agent_id, assignment.shift_id
    ]
    with time_machine.travel(link.expires_at + datetime.timedelta(days=6), tick=False):
        tasks.delete_spent_links()
        assert Client().get(link.get_absolute_url()).status_code == 410
    with time_machine.travel(link.expires_at + datetime.timedelta(days=8), tick=False):
        tasks.delete_spent_links()
        assert not ActionLink.objects.filter(pk=link.pk).exists()
        assert Client().get(link.get_absolute_url()).status_code == 404


def test_a_link_lasts_until_its_shift_ends_where_the_end_moved_to(assignment):
    shift = assignment.shift
    link = ActionLink.for_shifts([(assignment.agent, shift, ["confirm"], assignment)])[assignment.agent_id, shift.pk]
    made_for = shift.end
    shift.end = made_for + datetime.timedelta(hours=4)  # lengthened after the SMS went out (in the admin)
    shift.save()
    with time_machine.travel(made_for + datetime.timedelta(hours=1), tick=False):
        assert Client().get(link.get_absolute_url()).status_code == 200
    with time_machine.travel(made_for + datetime.timedelta(days=7, hours=1), tick=False):
        tasks.delete_spent_links()
        assert ActionLink.objects.filter(pk=link.pk).exists(), "kept a week after the shift's new end"
    with time_machine.travel(shift.end + datetime.timedelta(days=7, hours=1), tick=False):
        tasks.delete_spent_links()
        assert not ActionLink.objects.filter(pk=link.pk).exists()


def test_a_link_expires_when_its_shortened_shift_ends(assignment):
    shift = assignment.shift
    link = ActionLink.for_shifts([(assignment.agent, shift, ["confirm"], assignment)])[assignment.agent_id, shift.pk]
    shift.end = START + datetime.timedelta(hours=2)
    shift.save()
    with time_machine.travel(START + datetime.timedelta(hours=3), tick=False):
        assert Client().get(link.get_absolute_url()).status_code == 410


LONG_NAME = "Tôn Nữ Thị Hoàng Phương Thảo Nguyễn Huyền Trân"
LONG_LABEL = "Tiếp nhận phản ánh, kiến nghị về phòng, chống dịch bệnh và chính sách hỗ trợ người dân"


@pytest.mark.parametrize("site", ["http://127.0.0.1:8000", "https://trucban.camau.gov.vn"])
def test_every_sms_with_a_link_fits_one_gsm7_segment_and_keeps_the_whole_link(assignment, line, settings, site):
    settings.SITE_URL = site
    line.label = LONG_LABEL
    line.hotline.number = "0290.3822.1022"
    line.save(), line.hotline.save()
    assignment.agent.full_name = LONG_NAME
    assignment.agent.save()
    standby = AgentFactory(unit=line.unit, lines=[line], full_name=LONG_NAME)
    with time_machine.travel(START - datetime.timedelta(hours=1), tick=False):
        send_reminders(timezone.now())
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        escalate(timezone.now())
    bodies = [m["body"] for m in locmem.outbox]
    assert len(bodies) == 3, "a reminder, the absent agent's and the standby agent's escalation"
    for body in bodies:
        assert len(body) <= 160 and set(body) <= GSM7, body
        token = LINK.search(body)[1]
        assert body.endswith(f"{site}/s/{token}") and ActionLink.objects.filter(token=token).exists()
        assert "..." not in body, "the words fit whole"
    assert sms_to(standby).startswith("Truc Ban: nhanh 2 (0290.3822.1022)")


def test_no_message_has_an_empty_slot_when_the_unit_has_no_phone(assignment, line, mailoutbox):
    AgentFactory(unit=line.unit, lines=[line], full_name="Lê Thị Thu Trang")
    with time_machine.travel(START - datetime.timedelta(hours=1), tick=False):
        send_reminders(timezone.now())
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        escalate(timezone.now())
    texts = [m["body"] for m in locmem.outbox] + [m.body for m in mailoutbox] + [m.subject for m in mailoutbox]
    assert len(texts) >= 5
    for text in texts:
        assert not re.search(r" [.,:;)]|\(\s*\)", " ".join(text.split())), text


@pytest.mark.django_db(transaction=True)
def test_five_standby_agents_tapping_at_once_give_the_shift_to_one(line):
    now = timezone.now()
    roster = RosterFactory(start=timezone.localdate(), end=timezone.localdate())
    roster.lines.set([line])
    shift = ShiftFactory(
        roster=roster, line=line, start=now - datetime.timedelta(minutes=15), end=now + datetime.timedelta(hours=2)
    )
    Escalation.objects.create(shift=shift, unit=line.unit, missing=1, opened_at=now)
    agents = [AgentFactory(unit=line.unit, lines=[line]) for _ in range(5)]
    links = ActionLink.for_shifts([(agent, shift, ["take"], None) for agent in agents]).values()
    start, results = threading.Barrier(5), []

    def take(link):
        try:
            start.wait()
            services.action_link_act(link=link, action="take")
            results.append("taken")
        except services.RosterError as e:
            results.append(str(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=[link]) for link in links]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["taken"] + ["Đã có người khác nhận ca này."] * 4
    assert shift.assignments.count() == 1
