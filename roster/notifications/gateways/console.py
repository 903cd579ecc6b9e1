"""The console gateway, the default: each SMS is printed, for a demo on one machine."""

import sys

from roster.notifications.gateways.base import SmsBackend


class ConsoleBackend(SmsBackend):
    def send(self, *, to, body, key):
        sys.stdout.write(f"SMS to {to} [{key}]: {body}\n")
