"""
A national install of Trực Ban, measured: 34 provinces each running its 1022 with 3–6 lines
and 20–60 agents a line (about 6,000 agents, 150,000 assignments a month), or --scale times
as many provinces. Figures and targets: docs/operations.md, "Scale".

    pip install -r requirements-bench.txt        # locust (or set LOCUST=/path/to/locust)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres CELERY_BROKER_URL=redis://127.0.0.1:6379/8 \\
        python bench/national.py [--scale 4] [--database national] [--json FILE] [--no-http]

It drops and makes the database --database beside DATABASE_URL's (never the one named
there), migrates it and fills it with COPY (no solver): a published roster a province from
15 days back to 15 days ahead, day shifts and night shifts, the shift change at T (about 20
minutes after the data is made: the "07:00" of the bench), a month of sent reminders, 100
days of calls, settled roster changes and lines that just missed calls. Then:

1. Each beat job of CELERY_BEAT_SCHEDULE, run in this process at chosen minutes (the clock
   moved with time-machine): wall time and query count a tick. The hand-over of the due
   messages to workers goes to the Redis of CELERY_BROKER_URL and is purged afterwards.
2. gunicorn (4 sync workers, like deploy/) and locust, headless: agents reading me/shifts/
   and the on-duty board, operators their dashboard, the bare JSON view beside them; then the
   shift change: STORM agents check in within STORM_SECONDS.
3. The beat's minutes after the shift change (escalations raised, then climbed), and the
   EXPLAIN (ANALYZE) of the three slowest SELECTs the beat made.

The database is dropped at the end unless --keep.
"""

import argparse
import datetime
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORT = 8766
PROVINCES = 34
DAYS_BACK, DAYS_AHEAD = 15, 15
CALL_DAYS = 100
CALLS_A_DAY = 100  # per hotline
EMAIL_SHARE = 2  # every 2nd agent has an email address


def database_urls(name):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL server (the bench makes its own database there)")
    parts = urlsplit(url)
    if parts.path.lstrip("/") == name or name in ("test", "postgres"):
        sys.exit(f"--database {name}: the bench drops it, so it must be a database of its own")
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def recreate(admin_url, name, drop_only=False):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def environment(database_url):
    """The settings of this process and of gunicorn: production-like, on the bench's database."""
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/8")
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_BROKER_URL": broker,
        # Several web processes share the on-duty board, as deploy/ recommends.
        "CACHE_URL": broker,
        # The bench measures the views, not the rate limit.
        "THROTTLE_USER": "1000000/min",
        "SMS_BACKEND": "locmem",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


# Generating ----------------------------------------------------------------------------------


def copy_objects(model, objects):
    """COPY unsaved model instances into their table (every concrete field but the id)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])


def generate(scale, seed=13):
    """The national install; returns what the measurements need (T, the storm's assignments…)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from hotline.models import CallRecord, Hotline, Line, Unit
    from roster.models import Agent, Assignment, Escalation, Notification, Roster, Shift, ShiftChange
    from roster.notifications.reminders import lead_label, lead_times

    User = get_user_model()
    rng = random.Random(seed)
    now = timezone.now()
    # The shift change: about 20 minutes from now, on a whole 5 minutes.
    change = (now + datetime.timedelta(minutes=20)).replace(second=0, microsecond=0)
    change -= datetime.timedelta(minutes=change.minute % 5)
    # The beat is followed from 75 minutes before it: reminders are made up to 15 minutes
    # before they are due (roster.notifications.reminders.LOOKAHEAD).
    first_tick = change - datetime.timedelta(minutes=75) + datetime.timedelta(seconds=30)
    hour = datetime.timedelta(hours=1)
    made = time.perf_counter()

    with transaction.atomic():
        provinces = PROVINCES * scale
        health = Unit.objects.bulk_create(
            [
                Unit(name=f"Sở Y tế tỉnh {p + 1}", code=f"syt-{p + 1}", phone=f"0290 {p:03d} 000")
                for p in range(provinces)
            ]
        )
        plan = [[rng.randint(20, 60) for _ in range(rng.randint(3, 6))] for _ in range(provinces)]
        line_units = Unit.objects.bulk_create(
            [
                Unit(
                    name=f"Trung tâm {k + 1} tỉnh {p + 1}",
                    code=f"tt-{p + 1}-{k + 1}",
                    parent=health[p],
                    phone=f"091{p:04d}{k:03d}",
                )
                for p, sizes in enumerate(plan)
                for k in range(len(sizes))
            ]
        )
        hotlines = Hotline.objects.bulk_create(
            [Hotline(name=f"1022 tỉnh {p + 1}", number=f"02{p:03d}.1022", unit=health[p]) for p in range(provinces)]
        )
        units_iter = iter(line_units)
        lines, line_sizes = [], []
        for p, sizes in enumerate(plan):
            for k, size in enumerate(sizes):
                lines.append(
                    Line(
                        hotline=hotlines[p],
                        digit=str(k + 1),
                        label=f"Nhánh {k + 1}",
                        unit=next(units_iter),
                        queue=f"q{p}-{k + 1}",
                    )
                )
                line_sizes.append(size)
        lines = Line.objects.bulk_create(lines)
        directors = User.objects.bulk_create(
            [
                User(username=f"gd-{u.code}", email=f"gd-{u.code}@trucban.example", password="!")
                for u in [*health, *line_units]
            ]
        )
        Unit.directors.through.objects.bulk_create(
            [Unit.directors.through(unit=u, user=d) for u, d in zip([*health, *line_units], directors, strict=True)]
        )
        agent_count = sum(line_sizes)
        users = User.objects.bulk_create(
            [User(username=f"dtv{n}", password="!") for n in range(agent_count)], batch_size=5000
        )
        agents, n = [], 0
        for line, size in zip(lines, line_sizes, strict=True):
            for _ in range(size):
                email = f"dtv{n}@trucban.example" if n % EMAIL_SHARE == 0 else ""
                agents.append(
                    Agent(user=users[n], unit=line.unit, full_name=f"Nguyễn Văn {n}", phone=f"+849{n:08d}", email=email)
                )
                n += 1
        agents = Agent.objects.bulk_create(agents, batch_size=5000)
        Agent.lines.through.objects.bulk_create(
            [Agent.lines.through(agent=a, line_id=a.line_id) for a in _with_lines(agents, lines, line_sizes)],
            batch_size=5000,
        )

        first_day = timezone.localtime(change).date() - datetime.timedelta(days=DAYS_BACK)
        rosters = Roster.objects.bulk_create(
            [
                Roster(
                    start=first_day,
                    end=first_day + datetime.timedelta(days=DAYS_BACK + DAYS_AHEAD),
                    status=Roster.Status.PUBLISHED,
                    published_at=now - datetime.timedelta(days=20),
                )
                for _ in range(provinces)
            ]
        )
        province_of = {h.pk: p for p, h in enumerate(hotlines)}
        Roster.lines.through.objects.bulk_create(
            [Roster.lines.through(roster=rosters[province_of[line.hotline_id]], line=line) for line in lines]
        )

        # Day shifts (T+d days, 12 h) and night shifts (12 h after), day -15 to +15 around T.
        by_line = defaultdict(list)
        for agent in agents:
            by_line[agent.line_id].append(agent)
        shifts, crews = [], []
        for line in lines:
            crew = by_line[line.pk]
            day_crew = [a for i, a in enumerate(crew) if i % 5 < 3]
            night_crew = [a for i, a in enumerate(crew) if i % 5 >= 3]
            for d in range(-DAYS_BACK, DAYS_AHEAD + 1):
                for offset, group in ((0, day_crew), (12, night_crew)):
                    start = change + datetime.timedelta(days=d, hours=offset)
                    on = [a for i, a in enumerate(group) if (i + d) % 6 != 0]
                    # One shift in 20 this coming week lacks an agent: the gap alert's work.
                    short = 0 <= d <= 7 and rng.random() < 0.05
                    shifts.append(
                        Shift(
                            roster=rosters[province_of[line.hotline_id]],
                            line=line,
                            start=start,
                            end=start + 12 * hour,
                            required=len(on) + (1 if short else 0),
                        )
                    )
                    crews.append(on)
        shifts = Shift.objects.bulk_create(shifts, batch_size=5000)

        assignments = []
        for shift, crew in zip(shifts, crews, strict=True):
            past = shift.end <= change
            for agent in crew:
                assignments.append(
                    Assignment(
                        shift=shift,
                        agent=agent,
                        status=Assignment.Status.CHECKED_IN if shift.start < change else Assignment.Status.ASSIGNED,
                        source=Assignment.Source.SOLVER,
                        start=shift.start,
                        end=shift.end,
                        is_live=True,
                        created_at=now - datetime.timedelta(days=20),
                        checked_in_at=shift.start - datetime.timedelta(minutes=5) if shift.start < change else None,
                        checked_out_at=shift.end if past else None,
                    )
                )
        copy_objects(Assignment, assignments)
        assignment_count = len(assignments)
        del assignments

        # A month of reminders already sent: every one due before the shift change's 1-hour ones.
        leads = lead_times("24h,1h")
        email_of = {a.pk: a.email for a in agents}
        sent = []
        rows = Assignment.objects.filter(start__lte=first_tick + leads[0]).values_list("pk", "agent_id", "start")
        for pk, agent_id, start in rows.iterator(chunk_size=20000):
            for lead in leads:
                due = start - lead
                if due >= change - hour:
                    continue
                channels = ["sms", "email"] if email_of[agent_id] else ["sms"]
                for channel in channels:
                    sent.append(
                        Notification(
                            key=f"reminder:{pk}:{lead_label(lead)}:{channel}",
                            kind=Notification.Kind.REMINDER,
                            channel=channel,
                            status=Notification.Status.SENT,
                            agent_id=agent_id,
                            assignment_id=pk,
                            to=email_of[agent_id] or "+84900000000",
                            body="Truc Ban: ca truc",
                            attempts=1,
                            created_at=due,
                            next_attempt_at=due,
                            enqueued_at=due,
                            claimed_at=due,
                            sent_at=due,
                        )
                    )
        # A few failed this week (the dashboard lists them).
        for row in sent[-len(sent) // 200 :]:
            row.status, row.last_error = Notification.Status.FAILED, "TemporaryError: gateway timed out"
        copy_objects(Notification, sent)
        notification_count = len(sent)
        del sent

        # Resolved escalations of the past: one a line every three days.
        past_shifts = [s for s in shifts if s.end <= change]
        Escalation.objects.bulk_create(
            [
                Escalation(
                    shift=s,
                    unit=s.line.unit,
                    missing=1,
                    opened_at=s.start + datetime.timedelta(minutes=11),
                    escalated_at=s.start + datetime.timedelta(minutes=11),
                    resolved_at=s.start + datetime.timedelta(minutes=20),
                )
                for s in past_shifts[::6]
            ]
        )

        # 100 days of calls, one in five missed; numbers older than 90 days already erased.
        calls = []
        for hotline in hotlines:
            hotline_lines = [line for line in lines if line.hotline_id == hotline.pk]
            for day in range(CALL_DAYS):
                for c in range(CALLS_A_DAY):
                    started = first_tick - datetime.timedelta(days=day, seconds=rng.randint(600, 86400))
                    answered = rng.random() >= 0.2
                    kept = day < 90
                    calls.append(
                        CallRecord(
                            hotline=hotline,
                            line=rng.choice(hotline_lines),
                            source_id=f"{day}-{c}",
                            started_at=started,
                            answered_at=started + datetime.timedelta(seconds=8) if answered else None,
                            ended_at=started + datetime.timedelta(seconds=120),
                            wait_seconds=8,
                            talk_seconds=110 if answered else 0,
                            outcome=CallRecord.Outcome.ANSWERED if answered else CallRecord.Outcome.ABANDONED,
                            caller="0912***678" if kept else "",
                            caller_hash=f"{rng.getrandbits(128):032x}" if kept else "",
                            imported_at=started,
                        )
                    )
        # One line in ten has just missed three calls: a missed-call alert at the first tick.
        for line in lines[::10]:
            for minute in (3, 6, 9):
                started = first_tick - datetime.timedelta(minutes=minute)
                calls.append(
                    CallRecord(
                        hotline_id=line.hotline_id,
                        line=line,
                        source_id=f"burst-{line.pk}-{minute}",
                        started_at=started,
                        ended_at=started + datetime.timedelta(seconds=60),
                        wait_seconds=60,
                        outcome=CallRecord.Outcome.ABANDONED,
                        imported_at=started,
                    )
                )
        copy_objects(CallRecord, calls)
        call_count = len(calls)
        del calls

        # One agent in fifty had two shifts changed 5 minutes before the first tick.
        changes = []
        for agent in agents[::50]:
            for d in (3, 4):
                start = change + datetime.timedelta(days=d)
                changes.append(
                    ShiftChange(
                        agent=agent,
                        line_id=agent.line_id,
                        start=start,
                        end=start + 12 * hour,
                        change=ShiftChange.Change.ADDED if d == 3 else ShiftChange.Change.REMOVED,
                        created_at=first_tick - datetime.timedelta(minutes=5),
                    )
                )
        ShiftChange.objects.bulk_create(changes)

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        # Write the bulk load out now, not in a checkpoint in the middle of the measurements.
        cursor.execute("CHECKPOINT")
    day_shift = Assignment.objects.filter(start=change)
    return {
        "change": change,
        "first_tick": first_tick,
        "provinces": provinces,
        "lines": len(lines),
        "agents": agent_count,
        "assignments": assignment_count,
        "assignments_a_month": round(assignment_count * 30 / (DAYS_BACK + DAYS_AHEAD + 1)),
        "shift_change_agents": day_shift.count(),
        "notifications": notification_count,
        "calls": call_count,
        "seconds": round(time.perf_counter() - made, 1),
    }


def _with_lines(agents, lines, sizes):
    """Give each agent (in the order made) the line it was made for, as agent.line_id."""
    index = 0
    for line, size in zip(lines, sizes, strict=True):
        for agent in agents[index : index + size]:
            agent.line_id = line.pk
        index += size
    return agents


# The beat ----------------------------------------------------------------------------------


def beat_jobs():
    """Each job of CELERY_BEAT_SCHEDULE, by task name, as the worker would run it."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return {entry["task"]: import_string(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def run_ticks(label, moments, slow):
    """run_tick at each moment; each job's longest tick and most queries."""
    worst = {}
    for moment in moments:
        for name, (seconds, queries) in run_tick(label, moment, slow).items():
            longest, most = worst.get(name, (0, 0))
            worst[name] = (max(longest, seconds), max(most, queries))
    return worst


def run_tick(label, moment, slow):
    """Run every beat job at `moment`; return {job: (seconds, queries)}; note the slowest SELECTs."""
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    with time_machine.travel(moment, tick=True):
        for name, task in beat_jobs().items():
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                task()
                seconds = time.perf_counter() - started
            results[name] = (seconds, len(queries))
            for query in queries.captured_queries:
                if query["sql"].lstrip().upper().startswith("SELECT"):
                    slow.append((float(query["time"]), name, label, query["sql"]))
    return results


def hottest(selects, count):
    """The SELECTs that took the most time over all ticks, alike queries (other ids, other times)
    counted together: (seconds in all, how many, job, the last one's SQL)."""
    totals = {}
    for seconds, job, _label, sql in selects:
        shape = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
        total, times, _job, _sql = totals.get(shape, (0.0, 0, job, sql))
        totals[shape] = (total + seconds, times + 1, job, sql)
    return sorted(totals.values(), key=lambda item: item[0], reverse=True)[:count]


def purge_queue():
    from config.celery import app

    app.control.purge()


def deliver_batch():
    """One worker task's batch: 100 due messages sent (locmem gateways), its seconds and queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from roster.models import Notification
    from roster.notifications import outbox

    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)[:100]
    )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        outbox.deliver(ids)
        seconds = time.perf_counter() - started
    return len(ids), seconds, len(queries)


def explain(sql):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


# Load ----------------------------------------------------------------------------------------


def make_users(info, storm_size):
    """Tokens for agents and the shift change's agents, sessions for the provinces' operators."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from knox.models import AuthToken

    from roster.models import Assignment

    storm = list(
        Assignment.objects.filter(start=info["change"]).select_related("agent__user").order_by("?")[:storm_size]
    )
    readers = list(get_user_model().objects.filter(agent__isnull=False).order_by("?")[:200])
    operators = list(get_user_model().objects.filter(username__startswith="gd-syt-"))
    tokens = {}
    for user in {*readers, *(a.agent.user for a in storm)}:
        tokens[user.pk] = AuthToken.objects.create(user=user)[1]
    sessions = []
    for user in operators:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append({"session": session.session_key})
    return {
        "agents": [{"token": tokens[u.pk]} for u in readers],
        "operators": sessions,
        "storm": [{"token": tokens[a.agent.user_id], "assignment": a.pk} for a in storm],
    }


class WaitSampler:
    """What the database's busy connections wait on, sampled twice a second while the load runs."""

    def __init__(self, database_url):
        self.database_url, self.counts, self.samples = database_url, defaultdict(int), 0

    def __enter__(self):
        import threading

        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def sample(self):
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            while not self.stop.wait(0.5):
                rows = connection.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU'), left(query, 50) "
                    "FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
                    "AND pid <> pg_backend_pid()"
                ).fetchall()
                self.samples += 1
                for wait, query in rows:
                    self.counts[f"{wait} | {query}"] += 1

    def top(self, count):
        ranked = sorted(self.counts.items(), key=lambda item: item[1], reverse=True)[:count]
        return {"samples": self.samples, "busy": [{"wait": wait, "seen": seen} for wait, seen in ranked]}


def locust_command():
    found = os.environ.get("LOCUST") or shutil.which("locust") or str(Path(sys.executable).parent / "locust")
    if not Path(found).exists():
        sys.exit("locust is not installed: pip install -r requirements-bench.txt (or set LOCUST)")
    return found


def run_locust(plan, users_file, users, spawn_rate, seconds, workdir):
    prefix = Path(workdir) / plan
    subprocess.run(
        [
            locust_command(),
            "-f",
            str(ROOT / "bench" / "national_locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{PORT}",
            "-u",
            str(users),
            "-r",
            str(spawn_rate),
            "-t",
            f"{seconds}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env={**os.environ, "NATIONAL_USERS": str(users_file), "NATIONAL_PLAN": plan},
        check=False,
        stdout=subprocess.DEVNULL,
    )
    import csv

    stats = {}
    with open(f"{prefix}_stats.csv") as file:
        for row in csv.DictReader(file):
            if row["Name"] == "Aggregated":
                continue
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "rps": round(float(row["Requests/s"]), 1),
            }
    return stats


def wait_until_up(url):
    import urllib.error
    import urllib.request

    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # up, and saying the outbox is late: the bench's ticks left messages unsent
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


# Main ----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="times the 34 provinces (default 1)")
    parser.add_argument("--database", default="national", help="the bench's own database (dropped first)")
    parser.add_argument("--users", type=int, default=30, help="concurrent users of the steady load")
    parser.add_argument("--seconds", type=int, default=60, help="length of the steady load")
    parser.add_argument("--storm", type=int, default=3000, help="agents checking in at the shift change")
    parser.add_argument("--storm-seconds", type=int, default=120)
    parser.add_argument("--no-http", action="store_true", help="the beat only, without gunicorn and locust")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    database_url, admin_url = database_urls(args.database)
    env = environment(database_url)
    os.environ.update(env)
    recreate(admin_url, args.database)
    gunicorn = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from monitoring.beat import frequent_tasks

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated {args.database} in {time.perf_counter() - started:.0f} s")
        info = generate(args.scale)
        print(
            f"generated ×{args.scale} in {info['seconds']} s: {info['provinces']} hotlines, {info['lines']} lines, "
            f"{info['agents']:,} agents, {info['assignments']:,} assignments "
            f"({info['assignments_a_month']:,} a month), {info['notifications']:,} sent notifications, "
            f"{info['calls']:,} calls; {info['shift_change_agents']:,} agents start at the shift change"
        )
        figures = {
            "scale": args.scale,
            "data": {k: str(v) if k in ("change", "first_tick") else v for k, v in info.items()},
        }
        slow = []
        change, first = info["change"], info["first_tick"]
        minute = datetime.timedelta(minutes=1)
        ticks = {
            # 16 ticks: missed calls and settled changes at the first, the shift change's
            # 1-hour reminders made over the ticks before T-1h and sent at T-1h.
            "T-75m … T-1h, every minute (worst tick)": [first + n * minute for n in range(16)],
            "T-55m: a quiet minute": [first + 20 * minute],
        }
        figures["beat"] = {label: run_ticks(label, moments, slow) for label, moments in ticks.items()}
        from roster.models import Notification

        figures["reminders_made"] = Notification.objects.filter(
            kind=Notification.Kind.REMINDER, created_at__gte=first
        ).count()
        count, seconds, queries = deliver_batch()
        figures["deliver"] = {"messages": count, "seconds": seconds, "queries": queries}
        purge_queue()

        if not args.no_http:
            from django.core.management import call_command

            workdir = tempfile.mkdtemp(prefix="national-")
            users_file = Path(workdir) / "users.json"
            users_file.write_text(json.dumps(make_users(info, args.storm)))
            call_command("collectstatic", "--noinput", verbosity=0)
            gunicorn = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{PORT}", "config.wsgi"],
                cwd=ROOT,
                env={**os.environ},
                stderr=subprocess.DEVNULL,
            )
            wait_until_up(f"http://127.0.0.1:{PORT}/healthz")
            print(f"steady load: {args.users} users for {args.seconds} s …")
            figures["steady"] = run_locust("steady", users_file, args.users + 4, 10, args.seconds, workdir)
            storm = len(json.loads(users_file.read_text())["storm"])
            rate = max(1, round(storm / args.storm_seconds))
            print(f"shift change: {storm:,} agents check in within {args.storm_seconds} s …")
            with WaitSampler(database_url) as waits:
                figures["storm"] = run_locust("storm", users_file, storm + 4, rate, args.storm_seconds + 5, workdir)
            figures["storm_waits"] = waits.top(6)
            from roster.models import Assignment

            figures["storm_checked_in"] = Assignment.objects.filter(
                start=change, status=Assignment.Status.CHECKED_IN
            ).count()

        # The rest of the shift change checks in by the switchboard, but one agent in fifty:
        # the escalations of T+11 min, climbing at T+26 min.
        from roster.models import Assignment

        waiting = Assignment.objects.filter(start=change).exclude(status=Assignment.Status.CHECKED_IN).order_by("pk")
        absent = set(list(waiting.values_list("pk", flat=True))[::50])
        waiting.exclude(pk__in=absent).update(status=Assignment.Status.CHECKED_IN, checked_in_at=change)
        later = {
            "T+11m: escalations raised": [change + datetime.timedelta(minutes=11)],
            "T+26m: escalations climb": [change + datetime.timedelta(minutes=26)],
        }
        figures["beat"].update({label: run_ticks(label, moments, slow) for label, moments in later.items()})
        purge_queue()
        figures["explain"] = [
            {"job": job, "seconds": total, "ticks": ticks, "sql": sql, "plan": explain(sql)}
            for total, ticks, job, sql in hottest([item for item in slow if item[1] in frequent_tasks()], 3)
        ]
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate(admin_url, args.database, drop_only=True)

    report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))


def report(figures):
    print(f"\n== Beat jobs, ×{figures['scale']} (seconds / queries a tick; the worst of several ticks) ==")
    for label, jobs in figures["beat"].items():
        print(f"-- {label}")
        for name, (seconds, queries) in jobs.items():
            print(f"   {name:40} {seconds:7.3f} s {queries:5d} queries")
    print(f"-- reminders made over those ticks: {figures['reminders_made']:,}")
    d = figures["deliver"]
    print(f"-- a worker's batch: {d['messages']} messages sent in {d['seconds']:.3f} s, {d['queries']} queries")
    for plan in ("steady", "storm"):
        if plan not in figures:
            continue
        print(f"\n== HTTP, {plan} (locust → gunicorn 4 workers) ==")
        for name, s in figures[plan].items():
            print(
                f"   {name:28} {s['requests']:6d} requests {s['rps']:6.1f}/s  p50 {s['p50_ms']:6.0f} ms  "
                f"p95 {s['p95_ms']:6.0f} ms  errors {s['errors']}"
            )
    if "storm" in figures:
        storm = figures["storm"]
        check_in, bare = storm.get("check-in"), storm.get("bare JSON view")
        if check_in and bare:
            print(
                f"   check-in p95 / bare p95 = {check_in['p95_ms'] / max(bare['p95_ms'], 1):.2f} (target ≤ 3); "
                f"{figures['storm_checked_in']:,} checked in"
            )
        waits = figures["storm_waits"]
        print(f"   database connections busy during the shift change ({waits['samples']} samples):")
        for item in waits["busy"]:
            print(f"     {item['seen']:5d}  {item['wait']}")
    print("\n== The three hottest SELECTs of the minute jobs (most time over all ticks), EXPLAIN (ANALYZE) ==")
    for item in figures["explain"]:
        print(f"-- {item['job']}: {item['ticks']} runs, {item['seconds'] * 1000:.0f} ms in all")
        print(f"{item['sql']}\n{item['plan']}\n")


if __name__ == "__main__":
    main()
