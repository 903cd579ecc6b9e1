"""Mail backends that fail, as a misconfigured or strict mail server does: the outside world, faked."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class EmailBackend(BaseEmailBackend):
    """A backend that cannot send anything (EMAIL_BACKEND="tests.broken_mail.EmailBackend")."""

    def send_messages(self, email_messages):
        raise RuntimeError("the mail backend is misconfigured")


class RefusingBackend(LocmemBackend):
    """Django's test outbox, except that the server refuses every address at refused.example."""

    def send_messages(self, email_messages):
        for message in email_messages:
            refused = {to: (550, b"5.1.1 no such user") for to in message.to if to.endswith("@refused.example")}
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        return super().send_messages(email_messages)
