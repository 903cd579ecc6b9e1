"""The notification log: directors see what their agents were told, and whether it arrived."""

import pytest
from django.urls import reverse

from roster.models import Agent, Notification


def notify(agent, status=Notification.Status.SENT, n=0):
    return Notification.objects.create(
        key=f"test:{agent.pk}:{n}:sms",
        kind=Notification.Kind.REMINDER,
        channel="sms",
        agent=agent,
        to=agent.phone,
        body=f"Nhắc ca {n}",
        status=status,
    )


@pytest.fixture
def cdc_and_labour_notifications(demo):
    cdc = Agent.objects.filter(unit__code="cdc").first()
    labour = Agent.objects.filter(unit__code="ldtbxh").first()
    return notify(cdc, n=1), notify(labour, status=Notification.Status.FAILED, n=2)


def test_a_director_sees_their_agents_notifications_only(
    login, cdc_and_labour_notifications, django_assert_max_num_queries
):
    cdc_row, labour_row = cdc_and_labour_notifications
    client = login("director")
    with django_assert_max_num_queries(13):
        response = client.get(reverse("notification_log"))
    content = response.content.decode()
    assert f'data-notification="{cdc_row.pk}"' in content
    assert f'data-notification="{labour_row.pk}"' not in content


def test_the_operator_sees_every_line_and_can_filter_failures(login, cdc_and_labour_notifications):
    cdc_row, labour_row = cdc_and_labour_notifications
    content = login("operator").get(reverse("notification_log"), {"status": "failed"}).content.decode()
    assert f'data-notification="{labour_row.pk}"' in content
    assert f'data-notification="{cdc_row.pk}"' not in content


def test_agents_cannot_read_the_log(login, cdc_and_labour_notifications):
    assert login("agent").get(reverse("notification_log")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("notification_log"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
