"""The file gateway: each SMS is a line of SMS_FILE_PATH, which other processes (a worker under test) can share."""

import fcntl
import json

from django.conf import settings

from roster.notifications.gateways.base import SmsBackend


class FileBackend(SmsBackend):
    """One JSON object a line, appended to SMS_FILE_PATH; a lock keeps workers' lines whole."""

    def send(self, *, to, body, key):
        line = json.dumps({"to": to, "body": body, "key": key}, ensure_ascii=False) + "\n"
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            file.write(line)
            file.flush()
