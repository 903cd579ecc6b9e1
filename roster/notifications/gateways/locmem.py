"""The locmem gateway, for tests: each SMS is kept in `outbox`, as Django's locmem email backend keeps mail."""

from roster.notifications.gateways.base import SmsBackend

# Messages sent, for tests to read and clear: [{"to", "body", "key"}].
outbox = []


class LocmemBackend(SmsBackend):
    def send(self, *, to, body, key):
        outbox.append({"to": to, "body": body, "key": key})
