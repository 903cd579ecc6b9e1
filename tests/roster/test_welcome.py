"""A new account is welcomed by SMS and email: what Trực Ban is, the login, and a link to
choose a password that works for days (WELCOME_LINK_DAYS), not the hours of a reset link."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from roster.agent_import import read_agents, write_agents
from roster.models import Agent, Notification
from roster.notifications import outbox
from roster.notifications.gateways import locmem
from roster.services import agent_save
from tests.factories import LineFactory, UnitFactory

pytestmark = pytest.mark.django_db

SMS_LINK = re.compile(r"http://127\.0\.0\.1:8000(/s/[\w-]+)$")
MAIL_LINK = re.compile(r"http://127\.0\.0\.1:8000(/welcome/\S+)")


@pytest.fixture(autouse=True)
def welcome_settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.WELCOME_LINK_DAYS = 7
    settings.PASSWORD_RESET_TIMEOUT = 3600
    locmem.outbox.clear()


@pytest.fixture
def line():
    return LineFactory(
        digit="2",
        hotline__number="0290.1022",
        label="Phòng, chống dịch",
        unit=UnitFactory(code="cdc", name="Trung tâm Kiểm soát Bệnh tật"),
    )


def new_agent(line, email="mai@cdc.camau.gov.vn"):
    agent = Agent(unit=line.unit, full_name="Đỗ Thị Mai", phone="+84918123456", email=email)
    agent_save(agent=agent, lines=[line])
    outbox.deliver(outbox.due_for_dispatch(timezone.now()))
    return agent


def test_a_new_agent_gets_a_welcome_by_email_and_sms(line):
    new_agent(line)
    [email] = mail.outbox
    assert "Trực Ban" in email.subject
    for words in [
        "Xin chào Đỗ Thị Mai",
        "Trung tâm Kiểm soát Bệnh tật",
        "nhánh 2 (Phòng, chống dịch) của tổng đài 0290.1022",
        "mai@cdc.camau.gov.vn",
        "7 ngày",
    ]:
        assert words in email.body, words
    assert "không yêu cầu" not in email.body, "not the password-reset mail"
    [sms] = locmem.outbox
    assert len(sms["body"]) <= 160
    assert "mai@cdc.camau.gov.vn" in sms["body"] and SMS_LINK.search(sms["body"])
    assert Notification.objects.filter(kind=Notification.Kind.WELCOME).count() == 2


def test_the_sms_link_leads_to_choosing_a_password_once(line):
    agent = new_agent(line, email="")
    [sms] = locmem.outbox
    assert "84918123456" in sms["body"], "the login is the phone number's digits"
    client = Client()
    page = client.get(SMS_LINK.search(sms["body"])[1], follow=True)
    assert 'name="new_password1"' in page.content.decode()
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": "Ca-Mau-1022-truc", "new_password2": "Ca-Mau-1022-truc"}
    )
    assert done.status_code == 302
    agent.user.refresh_from_db()
    assert agent.user.check_password("Ca-Mau-1022-truc")
    spent = client.get(SMS_LINK.search(sms["body"])[1])
    assert spent.status_code == 410 and "đã" in spent.content.decode()


def test_the_password_link_works_for_days_not_hours(line):
    new_agent(line)
    url = MAIL_LINK.search(mail.outbox[0].body)[1]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6)):
        assert 'name="new_password1"' in Client().get(url, follow=True).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert 'name="new_password1"' not in Client().get(url, follow=True).content.decode()


def test_an_import_welcomes_only_the_accounts_it_creates(line):
    csv = "full_name,phone,email,unit,lines,max_hours_per_week\nĐỗ Thị Mai,0918123456,,cdc,2,40\n"
    checked = read_agents(csv.encode())
    assert not checked.bad_rows
    write_agents(checked.rows)
    write_agents(checked.rows)
    welcomes = Notification.objects.filter(kind=Notification.Kind.WELCOME)
    assert [n.to for n in welcomes] == ["+84918123456"]


def test_the_sms_link_of_a_welcome_expires_with_the_password_link(line):
    new_agent(line, email="")
    url = SMS_LINK.search(locmem.outbox[0]["body"])[1]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        expired = Client().get(url)
    assert expired.status_code == 410 and "quá hạn" in expired.content.decode()


def test_a_director_sends_the_welcome_again_to_an_agent_who_has_no_password_yet(line, client):
    agent = new_agent(line, email="")
    director = agent.unit.directors.create(username="giamdoc")
    client.force_login(director)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        page = client.get(f"/agents/{agent.pk}/").content.decode()
        assert "Gửi lại lời chào" in page
        client.post(f"/agents/{agent.pk}/welcome/")
        outbox.deliver(outbox.due_for_dispatch(timezone.now()))
        first, again = locmem.outbox
        assert first["body"] != again["body"], "a new link"
        assert 'name="new_password1"' in Client().get(SMS_LINK.search(again["body"])[1], follow=True).content.decode()

    agent.user.set_password("Ca-Mau-1022-truc")
    agent.user.save()
    response = client.post(f"/agents/{agent.pk}/welcome/", follow=True)
    assert "đã chọn mật khẩu" in response.content.decode()
    assert len(locmem.outbox) == 2
