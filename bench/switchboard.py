"""
Latency of the switchboard connector against the issue's 5-second target, on a fake Asterisk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> CELERY_BROKER_URL=redis://127.0.0.1:6379/<n> \\
        python bench/switchboard.py [--rounds 20] [--poll 3]

It makes a scratch database (<name>_bench), a hotline with one line and its queue, and runs the
connector (python manage.py switchboard's own code) against the tests' AMI server in this
process. Each round times, from the moment it happens to the moment it is visible:
  - a hand-made roster change → the agent's QueueAdd received by the switchboard;
  - a caller joining a queue with nobody present → the shift's escalation in the database;
  - an AgentComplete event → the call record in the database.
It prints the median, 95th percentile and worst of each, in seconds. Nothing is asserted.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402


def wait_for(check, timeout=30.0) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise SystemExit("timed out: the connector did not act within 30 s")
        time.sleep(0.005)
    return time.perf_counter() - started


def figures(name, seconds):
    seconds = sorted(seconds)
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    print(f"{name:<44} median {statistics.median(seconds):6.3f} s   p95 {p95:6.3f} s   max {seconds[-1]:6.3f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--poll", type=float, default=None, help="SWITCHBOARD_POLL_SECONDS (default: the setting's)")
    args = parser.parse_args()

    database_url, admin_url, name = scratch_database()
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, name)


def run(args):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from hotline.models import CallRecord, Hotline, Line, Unit
    from roster.models import Agent, Assignment, Escalation, Roster, Shift
    from switchboard.models import Switchboard
    from tests.switchboard.conftest import Running

    call_command("migrate", verbosity=0)
    if args.poll is not None:
        settings.SWITCHBOARD_POLL_SECONDS = args.poll
    settings.CALLER_HASH_KEY = settings.CALLER_HASH_KEY or "bench"
    print(f"SWITCHBOARD_POLL_SECONDS = {settings.SWITCHBOARD_POLL_SECONDS}, rounds = {args.rounds}")

    unit = Unit.objects.create(name="Trung tâm Kiểm soát bệnh tật", code="cdc")
    hotline = Hotline.objects.create(name="Đường dây nóng", number="0290.1022", unit=unit)
    line = Line.objects.create(hotline=hotline, digit="2", label="Y tế", unit=unit, queue="cm1022-2")
    switchboard = Switchboard.objects.create(hotline=hotline, ami_host="127.0.0.1", ami_username="trucban")
    now = timezone.now()
    roster = Roster.objects.create(
        start=timezone.localdate(),
        end=timezone.localdate() + datetime.timedelta(days=6),
        status="published",
        published_at=now,
    )
    agents = [
        Agent.objects.create(unit=unit, full_name=f"Nguyễn Văn {i}", phone=f"+849130{i:05d}", extension=str(300 + i))
        for i in range(args.rounds)
    ]
    for agent in agents:
        agent.lines.set([line])

    running = Running(switchboard, timezone.now)
    try:
        running.start_connector()
        wait_for(lambda: running.server.logins == 1)
        queued = []
        for i, agent in enumerate(agents):
            shift = Shift.objects.create(
                roster=roster,
                line=line,
                start=now - datetime.timedelta(minutes=1),
                end=now + datetime.timedelta(hours=1, minutes=i),
            )
            Assignment.objects.create(shift=shift, agent=agent)
            interface = f"PJSIP/{agent.extension}"
            queued.append(wait_for(lambda interface=interface: interface in running.server.interfaces("cm1022-2")))
        figures("roster change → QueueAdd at the switchboard", queued)

        # Everyone the connector added is on a phone that is not registered: nobody present.
        for fields in running.server.queues["cm1022-2"].values():
            fields["Status"] = "5"
        for interface in list(running.server.queues["cm1022-2"]):
            running.emit(Event="QueueMemberStatus", Queue="cm1022-2", Interface=interface, Status="5")
        escalated, recorded = [], []
        for i in range(args.rounds):
            Escalation.objects.all().delete()
            uniqueid = f"1733450000.{i}"
            sent = time.perf_counter()
            running.emit(Event="QueueCallerJoin", Queue="cm1022-2", Uniqueid=uniqueid, CallerIDNum="0912345678")
            wait_for(lambda: Escalation.objects.exists())
            escalated.append(time.perf_counter() - sent)
            running.emit(Event="AgentConnect", Queue="cm1022-2", Uniqueid=uniqueid, Interface="PJSIP/300", HoldTime="2")
            sent = time.perf_counter()
            running.emit(
                Event="AgentComplete", Queue="cm1022-2", Uniqueid=uniqueid, Interface="PJSIP/300", TalkTime="30"
            )
            wait_for(lambda uniqueid=uniqueid: CallRecord.objects.filter(source_id=uniqueid).exists())
            recorded.append(time.perf_counter() - sent)
        figures("caller, nobody present → escalation raised", escalated)
        figures("AgentComplete → call record", recorded)
    finally:
        running.close()


if __name__ == "__main__":
    main()
