"""
Benchmark of notification delivery through Redis and a Celery worker with two processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        python bench/reminders.py [--count 10000]

It makes a scratch database (<name>_bench), puts COUNT agents on a published shift that starts in
30 minutes, and times one beat tick making their COUNT due reminders and the worker sending
them all with the file SMS backend; then it times COUNT no-op
tasks through the same broker and worker. It prints both rates, their ratio, and the
duplicates and losses found in the SMS file (both must be 0).
"""

import argparse
import collections
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        sys.exit("set CELERY_BROKER_URL to Redis")

    database_url, admin_url, name = scratch_database()
    sms_file = Path(tempfile.mkdtemp()) / "sms.jsonl"
    env = {**os.environ, "DATABASE_URL": database_url, "SMS_BACKEND": "file", "SMS_FILE_PATH": str(sms_file)}
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import redis
    from django.utils import timezone

    from bench.noop import COUNTER, noop
    from config.celery import app
    from hotline.models import Hotline, Line, Unit
    from roster import tasks
    from roster.models import Agent, Assignment, Notification, Roster, Shift

    app.control.purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--include",
            "bench.noop",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            "bench@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # let the worker start
        # COUNT agents on one published shift starting in 30 minutes: COUNT due 1-hour reminders.
        unit = Unit.objects.create(name="Bench", code="bench")
        line = Line.objects.create(
            hotline=Hotline.objects.create(name="Bench", number="0000", unit=unit), digit="1", label="Bench", unit=unit
        )
        now = timezone.now()
        roster = Roster.objects.create(start=now.date(), end=now.date(), status="published", published_at=now)
        start = now + datetime.timedelta(minutes=30)
        shift = Shift.objects.create(
            roster=roster, line=line, start=start, end=start + datetime.timedelta(hours=8), required=args.count
        )
        agents = Agent.objects.bulk_create(
            Agent(
                unit=unit,
                full_name=f"Agent {n}",
                phone=f"+8491{n:07d}",
                calendar_token=f"bench-{n}",
                notify_by_email=False,
            )
            for n in range(args.count)
        )
        Assignment.objects.bulk_create(
            Assignment(shift=shift, agent=agent, start=shift.start, end=shift.end, is_live=True) for agent in agents
        )

        started = time.monotonic()
        tasks.dispatch_due()  # what the beat runs every minute
        while Notification.objects.filter(status=Notification.Status.SENT).count() < args.count:
            time.sleep(0.2)
        reminders_s = time.monotonic() - started

        counter = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
        counter.delete(COUNTER)
        started = time.monotonic()
        for _ in range(args.count):
            noop.delay()
        while int(counter.get(COUNTER) or 0) < args.count:
            time.sleep(0.2)
        noop_s = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    keys = collections.Counter(json.loads(line)["key"] for line in sms_file.read_text().splitlines())
    duplicates = sum(count - 1 for count in keys.values())
    losses = args.count - len(keys)
    reminder_rate, noop_rate = args.count / reminders_s, args.count / noop_s
    print(
        f"reminders:   {args.count} in {reminders_s:.1f} s = {reminder_rate:,.0f}/s"
        f" (made by one beat tick, sent in tasks of {tasks.BATCH})"
    )
    print(f"no-op tasks: {args.count} in {noop_s:.1f} s = {noop_rate:,.0f}/s")
    print(f"ratio: {reminder_rate / noop_rate:.2f} x the no-op rate; duplicates {duplicates}; losses {losses}")

    from django.db import connections

    connections.close_all()
    drop_database(admin_url, name)


if __name__ == "__main__":
    main()
