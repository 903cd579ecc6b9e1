"""Check-in, and escalation of shifts under way without enough agents checked in."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from roster.models import Assignment, Escalation, Notification
from roster.notifications import escalation, outbox
from roster.notifications.gateways import locmem
from tests.factories import AgentFactory, AssignmentFactory, LineFactory, ShiftFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(7 * 60)
START = datetime.datetime(2026, 12, 1, 7, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def settings_for_escalation(settings):
    settings.CHECKIN_GRACE_MINUTES = 10
    settings.ESCALATION_STEP_MINUTES = 15


@pytest.fixture
def cdc_line():
    """Line 2, answered by the CDC under Sở Y tế, on a hotline run by Văn phòng UBND."""
    health = UnitFactory(code="syt", name="Sở Y tế")
    cdc = UnitFactory(code="cdc", name="CDC", parent=health, phone="0912 000 111")
    office = UnitFactory(code="vp", name="Văn phòng UBND")
    line = LineFactory(digit="2", unit=cdc, hotline__unit=office)
    for unit, username in [(cdc, "director"), (health, "director-syt"), (office, "operator")]:
        unit.directors.add(UserFactory(username=username, email=f"{username}@trucban.example"))
    return line


@pytest.fixture
def shift(cdc_line):
    shift = ShiftFactory(line=cdc_line, start=START, end=START + datetime.timedelta(hours=12), required=1)
    AssignmentFactory(shift=shift, agent=AgentFactory(unit=cdc_line.unit, lines=[cdc_line], full_name="Trần Văn Phúc"))
    return shift


def beat():
    now = timezone.now()
    escalation.resolve(now)
    escalation.raise_escalations(now)
    escalation.climb(now)
    outbox.deliver(outbox.due_for_dispatch(now))


def test_an_agent_checks_in_from_half_an_hour_before_until_the_end(shift):
    assignment = shift.assignments.get()
    with pytest.raises(ValidationError):
        assignment.check_in(now=START - datetime.timedelta(minutes=31))
    assignment.check_in(now=START - datetime.timedelta(minutes=30))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CHECKED_IN
    assert assignment.checked_in_at == START - datetime.timedelta(minutes=30)


def test_a_checked_in_shift_is_not_escalated(shift):
    shift.assignments.get().check_in(now=START)
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        beat()
    assert not Escalation.objects.exists()


def test_no_escalation_within_the_grace_period(shift):
    with time_machine.travel(START + datetime.timedelta(minutes=9), tick=False):
        beat()
    assert not Escalation.objects.exists()


def test_a_shift_not_checked_into_escalates_once(shift, cdc_line, mailoutbox):
    standby = AgentFactory(unit=cdc_line.unit, lines=[cdc_line], full_name="Lê Thị Thu Trang")
    busy = AgentFactory(unit=cdc_line.unit, lines=[cdc_line], full_name="Bận Rộn")
    AssignmentFactory(
        agent=busy,
        shift=ShiftFactory(line=cdc_line, start=START - datetime.timedelta(hours=6)),
        status=Assignment.Status.CHECKED_IN,
    )
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        beat()
        beat()
    raised = Escalation.objects.get()
    assert (raised.missing, raised.level, raised.unit) == (1, 0, cdc_line.unit)
    to = sorted(m["to"] for m in locmem.outbox)
    assert shift.assignments.get().agent.phone in to, "the agent who did not check in"
    assert standby.phone in to, "a qualified agent who is free and rested"
    assert busy.phone not in to, "an agent who worked 6 hours ago is not rested"
    assert "+84912000111" in to, "the unit's duty phone"
    assert len(locmem.outbox) == 3
    assert [m.to for m in mailoutbox] == [["director@trucban.example"]]


def test_an_escalation_nobody_takes_in_hand_climbs_to_the_parent_unit_and_the_operator(shift, mailoutbox):
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        beat()
    with time_machine.travel(START + datetime.timedelta(minutes=27), tick=False):
        beat()
    raised = Escalation.objects.get()
    assert raised.level == 1
    assert raised.unit.code == "syt"
    assert sorted(m.to[0] for m in mailoutbox) == [
        "director-syt@trucban.example",
        "director@trucban.example",
        "operator@trucban.example",
    ]


def test_a_director_who_takes_it_in_hand_stops_the_climb(shift, client, mailoutbox):
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        beat()
        client.force_login(UserFactory(username="director"))
        raised = Escalation.objects.get()
        assert "data-escalation" in client.get("/").content.decode()
        client.post(reverse("acknowledge_escalation", args=[raised.pk]))
    with time_machine.travel(START + datetime.timedelta(minutes=40), tick=False):
        beat()
    raised.refresh_from_db()
    assert raised.level == 0 and raised.acknowledged_by.username == "director"
    assert len(mailoutbox) == 1


def test_the_dashboard_asks_for_new_escalations_every_few_seconds(shift, client, django_assert_max_num_queries):
    """An escalation the switchboard raises between two beats shows without a reload."""
    client.force_login(UserFactory(username="director"))
    with time_machine.travel(START + datetime.timedelta(minutes=5), tick=False):
        assert 'hx-get="/?part=escalations"' in client.get("/").content.decode()
        assert "data-escalation" not in client.get("/?part=escalations").content.decode()
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        beat()
        with django_assert_max_num_queries(8):
            part = client.get("/?part=escalations").content.decode()
    assert 'id="escalations"' in part and "data-escalation" in part and "<html" not in part
    client.force_login(UnitFactory(code="other").directors.create(username="other-director"))
    assert "data-escalation" not in client.get("/?part=escalations").content.decode()


def test_another_director_cannot_take_it_in_hand(shift, client):
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        beat()
    stranger = UserFactory(username="other-director")
    UnitFactory(code="other").directors.add(stranger)
    client.force_login(stranger)
    assert client.post(reverse("acknowledge_escalation", args=[Escalation.objects.get().pk])).status_code == 404


def test_checking_in_late_closes_the_escalation(shift, client):
    agent = shift.assignments.get().agent
    agent.user = UserFactory(username="phuc")
    agent.save()
    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        beat()
        client.force_login(agent.user)
        home = client.get("/").content.decode()
        assert 'data-action="check-in"' in home
        response = client.post(reverse("check_in", args=[shift.assignments.get().pk]))
        assert response.status_code == 302
    assert Escalation.objects.get().resolved_at is not None
    assert shift.assignments.get().status == Assignment.Status.CHECKED_IN


def test_an_agent_cannot_check_in_to_someone_elses_shift(shift, client):
    intruder = AgentFactory(user=UserFactory(username="intruder"))
    client.force_login(intruder.user)
    assert client.post(reverse("check_in", args=[shift.assignments.get().pk])).status_code == 404


def test_check_in_takes_a_post(shift, client):
    agent = shift.assignments.get().agent
    agent.user = UserFactory(username="phuc")
    agent.save()
    client.force_login(agent.user)
    assert client.get(reverse("check_in", args=[shift.assignments.get().pk])).status_code == 405


def test_confirming_a_coming_shift(shift, client):
    agent = shift.assignments.get().agent
    agent.user = UserFactory(username="phuc")
    agent.save()
    client.force_login(agent.user)
    with time_machine.travel(START - datetime.timedelta(days=1), tick=False):
        client.post(reverse("confirm", args=[shift.assignments.get().pk]))
    assert shift.assignments.get().status == Assignment.Status.CONFIRMED
    assert Notification.objects.count() == 0
