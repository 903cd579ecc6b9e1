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


def start(sms_file, *, concurrency=2, options=(), log=None, **extra_env):
    """A worker process (`concurrency` processes of work) on the test database, sending SMS to a file;
    `extra_env` sets more of its settings (EMAIL_BACKEND="tests.broken_mail.EmailBackend",
    CELERY_BROKER_URL=…), `options` more command-line options, `log` a file for its output."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", str(concurrency)]
    command += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["-n", f"test-{uuid.uuid4().hex[:8]}@%h", *options]
    env = {"SMS_BACKEND": "tests.slow_sms.SlowFileBackend", "SMS_FILE_PATH": str(sms_file), **extra_env}
    return spawn(command, log, **env)


def start_beat(directory, *, tick, log=None, **extra_env):
    """A beat process that sends the every-minute jobs every `tick` seconds (tests/faults/beat.py),
    keeping its schedule file in `directory`."""
    command = [sys.executable, "-m", "celery", "-A", "tests.faults.beat", "beat", "--loglevel", "WARNING"]
    command += ["--schedule", str(directory / f"beat-{uuid.uuid4().hex[:8]}")]
    return spawn(command, log, BEAT_TICK_SECONDS=str(tick), **extra_env)


def spawn(command, log, **extra_env):
    """Run `command` from the project's folder in a session of its own (kill() ends all of it), on
    the test database unless `extra_env` names another DATABASE_URL."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        **extra_env,
    }
    if not log:
        output = subprocess.DEVNULL
        return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=output)
    with open(log, "ab") as output:  # the child writes to its own copy of the file
        return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=output)


def kill(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def sent_keys(sms_file):
    if not sms_file.exists():
        return []
    return [json.loads(line)["key"] for line in sms_file.read_text().splitlines()]


def wait_for(condition, seconds=60, beat=None, every=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if beat:
            beat()
        if condition():
            return True
        time.sleep(every)
    return False
