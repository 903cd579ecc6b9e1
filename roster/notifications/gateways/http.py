"""The generic HTTP gateway, for any SMS service that takes JSON: SMS_HTTP_URL and SMS_HTTP_TOKEN."""

from django.conf import settings

from roster.notifications.gateways.base import PermanentError, SmsBackend, post_json, raise_for_status


class HttpBackend(SmsBackend):
    """POST {"to", "body", "key"} with a bearer token."""

    def send(self, *, to, body, key):
        if not settings.SMS_HTTP_URL:
            raise PermanentError("SMS_HTTP_URL is not set")
        status, answer = post_json(
            settings.SMS_HTTP_URL,
            {"to": to, "body": body, "key": key},
            {"Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}"},
            settings.SMS_HTTP_TIMEOUT,
        )
        raise_for_status(status, answer, "the SMS gateway")
