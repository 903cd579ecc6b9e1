"""
SMS backends, chosen like Django's EMAIL_BACKEND: SMS_BACKEND is a short name (console,
locmem, file, http, esms, speedsms) or the dotted path of a class.

A backend's send() returns on success and raises TemporaryError (worth retrying: a 5xx,
a timeout) or PermanentError (a 4xx, a refused number, no credit) otherwise.
"""

import base64
import fcntl
import json
import sys
import unicodedata
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

SEGMENT = 160

# Messages sent by the locmem backend, for tests: [{"to", "body", "key"}].
outbox = []


class SmsError(Exception):
    pass


class TemporaryError(SmsError):
    pass


class PermanentError(SmsError):
    pass


def plain_text(body: str) -> str:
    """Vietnamese without diacritics (Đà Nẵng → Da Nang), as carriers' templates want."""
    body = body.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", body)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fit_segment(body: str) -> str:
    """The text of one SMS: plain if configured, cut to one 160-character segment."""
    if settings.SMS_STRIP_DIACRITICS:
        body = plain_text(body)
    body = " ".join(body.split())
    return body if len(body) <= SEGMENT else body[: SEGMENT - 3].rstrip() + "..."


class ConsoleBackend:
    def send(self, *, to, body, key):
        sys.stdout.write(f"SMS to {to} [{key}]: {body}\n")


class LocmemBackend:
    def send(self, *, to, body, key):
        outbox.append({"to": to, "body": body, "key": key})


class FileBackend:
    """One JSON object a line, appended to SMS_FILE_PATH; a lock keeps workers' lines whole."""

    def send(self, *, to, body, key):
        line = json.dumps({"to": to, "body": body, "key": key}, ensure_ascii=False) + "\n"
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            file.write(line)
            file.flush()


def post_json(url, payload, headers, timeout):
    """POST JSON; return (status, parsed body or text). Network failures are temporary."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise TemporaryError(f"{url} did not answer: {e}") from e
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def raise_for_status(status, answer, gateway):
    if status >= 500:
        raise TemporaryError(f"{gateway} answered {status}: {answer}")
    if status >= 400:
        raise PermanentError(f"{gateway} refused the message ({status}): {answer}")


class HttpBackend:
    """The generic gateway: POST {"to", "body", "key"} with a bearer token."""

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


class EsmsBackend:
    """eSMS.vn, SendMultipleMessage_V4_post_json; the key goes as RequestId so eSMS drops repeats."""

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


class SpeedsmsBackend:
    """SpeedSMS.vn, /index.php/sms/send with HTTP Basic authentication by the token."""

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


BACKENDS = {
    "console": ConsoleBackend,
    "locmem": LocmemBackend,
    "file": FileBackend,
    "http": HttpBackend,
    "esms": EsmsBackend,
    "speedsms": SpeedsmsBackend,
}


def get_backend():
    name = settings.SMS_BACKEND
    backend = BACKENDS.get(name) or import_string(name)
    return backend()


def send_sms(*, to: str, body: str, key: str) -> None:
    get_backend().send(to=to, body=fit_segment(body), key=key)
