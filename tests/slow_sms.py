"""An SMS backend for worker tests: the file backend, slowed down so a kill lands mid-batch."""

import time

from roster.notifications.gateways.file import FileBackend


class SlowFileBackend(FileBackend):
    def send(self, *, to, body, key):
        time.sleep(0.02)
        super().send(to=to, body=body, key=key)
