"""
What every SMS gateway shares: the errors a send raises, the base class of the backends, the
text of one SMS, and the JSON POST of the HTTP gateways.

A backend's send() returns on success and raises TemporaryError (worth retrying: a 5xx,
a timeout) or PermanentError (a 4xx, a refused number, no credit) otherwise.
"""

import http.client
import json
import unicodedata
import urllib.error
import urllib.request

from django.conf import settings

SEGMENT = 160
# Typographic marks outside the GSM-7 alphabet, which would make an SMS Unicode (70 characters).
TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


class SmsError(Exception):
    pass


class TemporaryError(SmsError):
    pass


class PermanentError(SmsError):
    pass


class SmsBackend:
    """A gateway, in the style of Django's email backends: SMS_BACKEND names a subclass."""

    def send(self, *, to: str, body: str, key: str) -> None:
        """Send `body` (already fitted to one segment) to `to`, or raise TemporaryError or
        PermanentError; `key` is the notification's unique key, for gateways that drop repeats."""
        raise NotImplementedError


def plain_text(body: str) -> str:
    """Vietnamese without diacritics (Đà Nẵng → Da Nang), as carriers' templates want."""
    body = body.replace("đ", "d").replace("Đ", "D").translate(TYPOGRAPHY)
    decomposed = unicodedata.normalize("NFD", body)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fit_segment(body: str) -> str:
    """The text of one SMS: plain if configured, cut to one 160-character segment."""
    if settings.SMS_STRIP_DIACRITICS:
        body = plain_text(body)
    body = " ".join(body.split())
    return body if len(body) <= SEGMENT else body[: SEGMENT - 3].rstrip() + "..."


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
        # A timeout (SMS_HTTP_TIMEOUT, for the connection and each read) lands here too.
        raise TemporaryError(f"{url} did not answer: {e}") from e
    except http.client.HTTPException as e:
        # An answer that is not HTTP (a proxy cut in the middle, a server restarting).
        raise TemporaryError(f"{url} answered garbled HTTP: {e!r}") from e
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
