"""The eSMS.vn gateway: ESMS_API_KEY, ESMS_SECRET_KEY and a registered ESMS_BRANDNAME."""

from django.conf import settings

from roster.notifications.gateways.base import PermanentError, SmsBackend, TemporaryError, post_json, raise_for_status


class EsmsBackend(SmsBackend):
    """SendMultipleMessage_V4_post_json; the key goes as RequestId so eSMS drops repeats."""

    def send(self, *, to, body, key):
        payload = {
            "ApiKey": settings.ESMS_API_KEY,
            "SecretKey": settings.ESMS_SECRET_KEY,
            "Phone": "0" + to.removeprefix("+84") if to.startswith("+84") else to.lstrip("+"),
            "Content": body,
            "Brandname": settings.ESMS_BRANDNAME,
            "SmsType": "2",
            "IsUnicode": "0",
            "RequestId": key[:50],
        }
        status, answer = post_json(settings.ESMS_URL, payload, {}, settings.SMS_HTTP_TIMEOUT)
        raise_for_status(status, answer, "eSMS")
        code = str(answer.get("CodeResult")) if isinstance(answer, dict) else ""
        if code != "100":
            message = answer.get("ErrorMessage") if isinstance(answer, dict) else answer
            # 99 is eSMS's "unknown error, try again"; the other codes (bad key, no credit,
            # unregistered brandname, bad number) will not get better by retrying.
            error = TemporaryError if code == "99" else PermanentError
            raise error(f"eSMS refused the message (CodeResult {code or '?'}): {message}")
