"""One tap from an SMS, in a real Chromium on a phone: a shift under way is short, two agents
on standby get the escalation SMS (the file backend's output); the first takes the shift from
the link, the second sees it is taken. No request may leave 127.0.0.1."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from hotline.models import Hotline
from roster.models import Assignment, Roster, Shift
from roster.notifications import escalation, outbox
from tests.browser import screenshot
from tests.factories import AgentFactory, LineFactory, UnitFactory

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_standby_agent_takes_a_shift_from_the_sms_and_the_next_sees_it_taken(
    site, open_page, settings, sms_file, tmp_path
):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH, settings.SITE_URL = "file", str(sms_file), site
    # A line of its own, so that its agents on standby are exactly these two.
    line = LineFactory(
        hotline=Hotline.objects.get(number="0290.1022"), digit="9", label="Hỗ trợ khẩn cấp", unit=UnitFactory(phone="")
    )
    absent, first, second = (
        AgentFactory(unit=line.unit, lines=[line], full_name=name)
        for name in ["Trần Văn Phúc", "Lê Thị Thu Trang", "Phạm Minh Tuấn"]
    )
    now = timezone.now()
    roster = Roster.objects.create(
        start=timezone.localdate(), end=timezone.localdate(), status=Roster.Status.PUBLISHED, published_at=now
    )
    roster.lines.set([line])
    shift = Shift.objects.create(
        roster=roster,
        line=line,
        start=now - datetime.timedelta(minutes=15),
        end=now + datetime.timedelta(hours=2),
        required=1,
    )
    Assignment.objects.create(shift=shift, agent=absent, created_at=now - datetime.timedelta(days=3))
    escalation.raise_escalations(now)
    outbox.deliver(outbox.due_for_dispatch(timezone.now()))

    sent = {m["to"]: m["body"] for m in map(json.loads, sms_file.read_text().splitlines())}
    links = {agent: re.search(r"(http\S+/s/[\w-]+)$", sent[agent.phone])[1] for agent in (first, second)}
    assert all(len(body) <= 160 for body in sent.values())

    page = open_page(**PHONE)
    page.goto(links[first])
    page.locator("[data-action=take]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1
    assert page.locator("[data-action=check_in]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "sms-link-phone", tmp_path)

    other = open_page(**PHONE)
    other.goto(links[second])
    assert other.locator("[data-taken]").count() == 1
    assert other.locator("[data-action=take]").count() == 0
    assert list(shift.assignments.exclude(agent=absent).values_list("agent", flat=True)) == [first.pk]
