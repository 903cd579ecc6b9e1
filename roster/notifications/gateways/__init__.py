"""
SMS gateways, chosen like Django's EMAIL_BACKEND: SMS_BACKEND is a short name (console,
locmem, file, http, esms, speedsms) or the dotted path of an SmsBackend subclass.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from roster.notifications.gateways.base import SmsBackend, fit_segment

BACKENDS = {
    "console": "roster.notifications.gateways.console.ConsoleBackend",
    "locmem": "roster.notifications.gateways.locmem.LocmemBackend",
    "file": "roster.notifications.gateways.file.FileBackend",
    "http": "roster.notifications.gateways.http.HttpBackend",
    "esms": "roster.notifications.gateways.esms.EsmsBackend",
    "speedsms": "roster.notifications.gateways.speedsms.SpeedsmsBackend",
}


def get_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    return import_string(BACKENDS.get(name, name))()


def send_sms(*, to: str, body: str, key: str) -> None:
    get_backend().send(to=to, body=fit_segment(body), key=key)
