"""Real Celery worker processes for tests, on the test database and the real broker."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
needs_services = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"),
    reason="needs PostgreSQL and Redis, as CI has (DATABASE_URL, CELERY_BROKER_URL)",
)


def start(sms_file, **extra_env):
    """A worker process (two threads of work) on the test database, sending SMS to a file;
    `extra_env` sets more of its settings (EMAIL_BACKEND="tests.broken_mail.EmailBackend")."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SMS_BACKEND": "tests.slow_sms.SlowFileBackend",
        "SMS_FILE_PATH": str(sms_file),
        **extra_env,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2"]
    command += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["-n", f"test-{uuid.uuid4().hex[:8]}@%h"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def kill(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def sent_keys(sms_file):
    if not sms_file.exists():
        return []
    return [json.loads(line)["key"] for line in sms_file.read_text().splitlines()]


def wait_for(condition, seconds=60, beat=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if beat:
            beat()
        if condition():
            return True
        time.sleep(0.5)
    return False
