"""The SpeedSMS.vn gateway: SPEEDSMS_TOKEN and SPEEDSMS_SENDER."""

import base64

from django.conf import settings

from roster.notifications.gateways.base import PermanentError, SmsBackend, post_json, raise_for_status


class SpeedsmsBackend(SmsBackend):
    """/index.php/sms/send with HTTP Basic authentication by the token."""

    def send(self, *, to, body, key):
        token = base64.b64encode(f"{settings.SPEEDSMS_TOKEN}:x".encode()).decode()
        payload = {"to": [to.lstrip("+")], "content": body, "sms_type": 2, "sender": settings.SPEEDSMS_SENDER}
        status, answer = post_json(
            settings.SPEEDSMS_URL, payload, {"Authorization": f"Basic {token}"}, settings.SMS_HTTP_TIMEOUT
        )
        raise_for_status(status, answer, "SpeedSMS")
        if not isinstance(answer, dict) or answer.get("status") != "success":
            message = answer.get("message") if isinstance(answer, dict) else answer
            raise PermanentError(f"SpeedSMS refused the message: {message}")
