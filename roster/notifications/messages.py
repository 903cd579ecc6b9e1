"""
The one builder of message rows: what an agent or a director is to be told becomes
Notification rows here, for the outbox to send.

A row's key is unique: built again for the same event, it is the same row,
and bulk_create(ignore_conflicts=True) makes it once.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from roster.models import Notification
from roster.names import person_name
from roster.notifications.gateways.base import SEGMENT, fit_segment


def sms_text(body: str, link: str = "") -> str:
    """The text of one SMS (fit_segment), ending with `link` whole: the words give way to it."""
    if not link:
        return fit_segment(body)
    room = SEGMENT - len(link) - 1
    text = fit_segment(body)
    if len(text) > room:
        text = text[: room - 3].rstrip() + "..."
    return f"{text} {link}"


def agent_messages(agent, *, stem, kind, subject, body, sms_body=None, assignment=None) -> list[Notification]:
    """One message per channel the agent chose (Agent.channels), keyed `{stem}:{channel}`;
    the SMS is `sms_body` (else `body`) fitted to one segment."""
    rows = []
    for channel in agent.channels():
        by_sms = channel == Notification.Channel.SMS
        rows.append(
            Notification(
                key=f"{stem}:{channel}",
                kind=kind,
                channel=channel,
                agent=agent,
                assignment=assignment,
                to=agent.phone if by_sms else agent.email,
                subject=subject,
                body=fit_segment(sms_body or body) if by_sms else body,
            )
        )
    return rows


def sms_message(to, *, stem, kind, body, agent=None, link="") -> Notification:
    """One SMS keyed `{stem}:sms`, whatever channels an agent chose: for what cannot wait on
    an inbox (an escalation), or for a phone that is nobody's agent (a unit's duty phone)."""
    return Notification(
        key=f"{stem}:sms",
        kind=kind,
        channel=Notification.Channel.SMS,
        agent=agent,
        to=to,
        body=sms_text(body, link),
    )


def director_email(director, *, key, kind, subject, body) -> Notification:
    """A mail to a director, greeted by name and signed with the site's address, as the
    agents' mails are: a bare alert reads like a machine's log."""
    with translation.override(settings.LANGUAGE_CODE):
        greeting = _("Hello %(name)s,") % {"name": person_name(director)}
    return Notification(
        key=key,
        kind=kind,
        channel=Notification.Channel.EMAIL,
        user=director,
        to=director.email,
        subject=subject,
        body=f"{greeting}\n\n{body}\n\nTrực Ban · {settings.SITE_URL}",
    )


def welcome_messages(agent, *, password_url, sms_link, days, stem=None) -> list[Notification]:
    """A new account's welcome: what Trực Ban is, the login, and where to choose a password
    (the email's link, or the SMS's short link to it). By SMS, and by email when there is an
    address, whatever channels the director ticked: the account is nothing until it is opened."""
    username = agent.user.username
    lines = list(agent.lines.select_related("hotline").order_by("hotline__number", "digit"))
    context = {"agent": agent, "username": username, "lines": lines, "url": password_url, "days": days}
    with translation.override(agent.language):
        context["site_url"] = settings.SITE_URL
        subject = _("Welcome to Trực Ban, the duty roster of the hotline")
        body = render_to_string("roster/email/welcome.txt", context)
        sms = _(
            "Truc Ban: your duty roster account is ready. Login: %(username)s. Choose a password within %(days)s days:"
        )
        sms %= {"username": username, "days": days}
    stem = stem or f"welcome:{agent.pk}"
    rows = [sms_message(agent.phone, stem=stem, kind=Notification.Kind.WELCOME, body=sms, agent=agent, link=sms_link)]
    if agent.email:
        rows.append(
            Notification(
                key=f"{stem}:email",
                kind=Notification.Kind.WELCOME,
                channel=Notification.Channel.EMAIL,
                agent=agent,
                to=agent.email,
                subject=subject,
                body=body,
            )
        )
    return rows
