"""PostgreSQL restarts under a running site: the web server (gunicorn) and the worker carry on
by themselves, with no process restarted. While the database is away, pages answer a plain 503
page (never a traceback), the API a JSON 503 and /healthz says the database is down; once it is
back, the next request is served (CONN_HEALTH_CHECKS notices the dead connection) and the worker
sends what became due (its tasks retry when the database fails)."""

import collections
import http.client
import json
import os
import subprocess
import sys
import time

from tests.faults import servers
from tests.faults.seed import MESSAGES
from tests.workers import ROOT, sent_keys, wait_for


def get(port, path, session=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request("GET", path, headers={"Cookie": f"sessionid={session}"} if session else {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def test_a_database_restart_is_survived_by_the_web_and_the_worker(
    private_postgres, redis, processes, sms_file, tmp_path
):
    postgres = private_postgres
    # One key for all, as on a server: the seeded session is signed with it.
    env = {"DATABASE_URL": postgres.url("trucban"), "CELERY_BROKER_URL": redis.url, "SECRET_KEY": "f" * 50}
    port = servers.free_port()
    web = processes.web(port, DJANGO_SETTINGS_MODULE="tests.faults.web_settings", **env)
    worker = processes.worker(sms_file, SMS_BACKEND="tests.faults.sms.QuickFileBackend", **env)
    beat = processes.beat(tick=0.5, **env)
    # Written while they start (the schema is there already).
    session = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from tests.faults.seed import seed; seed()"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    assert wait_for(lambda: servers.answers(port), seconds=30, every=0.1), "gunicorn did not start"

    status, _headers, page = get(port, "/", session)
    assert status == 200, page

    # A restart between two requests: the web process's kept connection is dead, and the
    # health check at the next request opens a new one instead of failing.
    postgres.stop()
    postgres.start()
    assert get(port, "/", session)[0] == 200

    postgres.stop()
    try:
        status, headers, page = get(port, "/", session)
        assert status == 503, page
        assert headers["Retry-After"] == "30"
        assert "Hệ thống tạm thời gián đoạn" in page
        assert "Traceback" not in page and "OperationalError" not in page
        status, _headers, body = get(port, "/api/v1/oncall/", session)
        assert (status, json.loads(body)["detail"]) == (
            503,
            "Hệ thống tạm thời gián đoạn; vui lòng thử lại sau ít phút.",
        )
        status, _headers, body = get(port, "/healthz")  # as a load balancer asks: no cookie
        assert (status, json.loads(body)["db"]) == (503, "down")
        time.sleep(1.5)  # the beat's jobs fail in the worker meanwhile, and are retried
    finally:
        postgres.start()

    assert get(port, "/", session)[0] == 200
    status, _headers, body = get(port, "/healthz")
    assert (status, json.loads(body)) == (200, {"db": "ok", "broker": "ok", "beat": "ok", "outbox": "ok"})

    postgres.psql("UPDATE roster_notification SET next_attempt_at = now()", database="trucban")
    assert wait_for(lambda: len(sent_keys(sms_file)) >= MESSAGES, seconds=30, every=0.1), "the worker sent nothing"
    counts = collections.Counter(sent_keys(sms_file))
    assert counts == collections.Counter(f"after-restart:{n}:sms" for n in range(MESSAGES))
    assert [process.poll() for process in (web, worker, beat)] == [None, None, None], "none restarted"
    # Celery logs a task that failed for good as "raised unexpected"; retried ones are not.
    assert "raised unexpected" not in (tmp_path / "worker.log").read_text()
