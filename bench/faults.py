"""
Recovery times after the faults of tests/faults/, on this machine.

    python bench/faults.py [--messages 200] [--tick 60] [--retry-seconds 30] [--outage 10]

Everything runs on a PostgreSQL and a Redis of its own (tests/faults/servers.py, free ports),
with a real gunicorn, Celery worker and beat (its minute jobs every --tick seconds). It prints:

- gateway: seconds from the SMS gateway's return until the backlog of --messages messages,
  retried with backoff (NOTIFICATION_RETRY_SECONDS = --retry-seconds) while it answered 500,
  is all sent; bounded by the next retry plus one beat tick.
- database: seconds from PostgreSQL's return after --outage seconds down until the web answers
  a signed-in page again, and until /healthz is 200.

The defaults are production's timings (a few minutes in all); `--tick 1 --retry-seconds 1` gives
a quick run.
"""

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults import servers  # noqa: E402
from tests.gateway import FakeGateway  # noqa: E402


def spawn(command, env, log):
    with open(log, "ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=output)


def status_of(port, path, session=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": f"sessionid={session}"} if session else {})
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def seconds_until(condition, limit=900, every=0.05):
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            sys.exit(f"nothing after {limit} s: see the logs")
        time.sleep(every)
    return time.monotonic() - started


def psql_value(postgres, sql):
    return postgres.psql(sql, database="trucban").strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--tick", type=float, default=60)
    parser.add_argument("--retry-seconds", type=float, default=30)
    parser.add_argument("--outage", type=float, default=10)
    args = parser.parse_args()
    if reason := servers.missing():
        sys.exit(reason)

    logs = Path(tempfile.mkdtemp(prefix="trucban-bench-faults-"))
    postgres, redis, processes = servers.Postgres(), servers.Redis(), []
    try:
        postgres.start()
        postgres.psql("CREATE DATABASE trucban")
        redis.start()
        env = {
            **os.environ,
            "DATABASE_URL": postgres.url("trucban"),
            "CELERY_BROKER_URL": redis.url,
            "SECRET_KEY": "b" * 50,
            "NOTIFICATION_RETRY_SECONDS": str(args.retry_seconds),
            # Enough tries that no message of the backlog gives up while the gateway is down.
            "NOTIFICATION_MAX_ATTEMPTS": "10",
        }
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        seed = "from tests.faults.seed import seed; seed()"
        session = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", seed],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]

        with FakeGateway([(500, {"error": "down"})]) as gateway:
            port = servers.free_port()
            web_env = {**env, "DEBUG": "false", "HTTPS": "false", "DJANGO_SETTINGS_MODULE": "tests.faults.web_settings"}
            gunicorn = [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ]
            processes.append(spawn(gunicorn, web_env, logs / "web.log"))
            worker_env = {**env, "SMS_BACKEND": "http", "SMS_HTTP_URL": gateway.url}
            celery = [sys.executable, "-m", "celery"]
            processes.append(
                spawn([*celery, "-A", "config", "worker", "-c", "2", "-l", "WARNING"], worker_env, logs / "worker.log")
            )
            beat_env = {**env, "BEAT_TICK_SECONDS": str(args.tick)}
            schedule = str(logs / "beat-schedule")
            processes.append(
                spawn(
                    [*celery, "-A", "tests.faults.beat", "beat", "-s", schedule, "-l", "WARNING"],
                    beat_env,
                    logs / "beat.log",
                )
            )

            # The gateway: a backlog piles up while it answers 500, then it returns.
            make = f"from tests.faults.seed import backlog; backlog({args.messages})"
            subprocess.run([sys.executable, "manage.py", "shell", "-c", make], cwd=ROOT, env=env, check=True)
            backlog = "SELECT count(*) FROM roster_notification WHERE key LIKE 'backlog:%' AND {}"
            print(f"gateway down; waiting until the {args.messages} messages have been tried twice…", flush=True)
            seconds_until(lambda: psql_value(postgres, backlog.format("attempts < 2")) == "0", every=0.5)
            gateway.answers = [(200, {"status": "queued"})]
            drained = seconds_until(lambda: psql_value(postgres, backlog.format("status <> 'sent'")) == "0", every=0.2)
            print(
                f"gateway: backlog of {args.messages} sent {drained:.1f} s after the gateway returned "
                f"(retry {args.retry_seconds:g} s, tick {args.tick:g} s)"
            )

            # The database: down for --outage seconds under a running web site.
            seconds_until(lambda: status_of(port, "/", session) == 200)
            postgres.stop()
            outage_status = status_of(port, "/", session)
            time.sleep(args.outage)
            postgres.start()
            returned = time.monotonic()
            page = seconds_until(lambda: status_of(port, "/", session) == 200, every=0.02)
            seconds_until(lambda: status_of(port, "/healthz") == 200, every=0.02)
            healthz = time.monotonic() - returned
            print(
                f"database: during the outage a page answered {outage_status}; after PostgreSQL returned "
                f"the page answered 200 after {page:.2f} s, /healthz after {healthz:.2f} s"
            )
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, 9)
        redis.destroy()
        postgres.destroy()
    print(f"logs: {logs}")


if __name__ == "__main__":
    main()
