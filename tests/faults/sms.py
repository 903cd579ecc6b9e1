"""An SMS backend for the fault tests: the file backend, a little slow (3 ms a message), so that a
fault lands in the middle of a batch of a thousand without the batch taking long."""

import time

from roster.notifications.gateways.file import FileBackend


class QuickFileBackend(FileBackend):
    def send(self, *, to, body, key):
        time.sleep(0.003)
        super().send(to=to, body=body, key=key)
