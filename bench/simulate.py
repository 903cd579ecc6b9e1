"""
Does "every line is staffed" mean calls are answered? A month of calls played against a
roster Trực Ban built from its own Erlang C requirements, and against one agent per line
round the clock.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python bench/simulate.py [--days 28] [--seed 2022]

In a scratch database (<name>_bench) it makes a hotline with three lines, each with its own
call-volume profile (calls per hour by hour of day, half on weekends), turns the profile
into staffing requirements with Erlang C (80 % answered within 20 s, 3-minute calls), adds
8-hour shift patterns and enough agents, and has the roster engine build and publish the
month. Then it plays the calls: Poisson arrivals per line and hour, exponential handling
times (mean 180 s), callers hanging up after an exponential patience (mean 90 s), first
come first served by the agents on duty at that moment. Per line it prints the share of
calls answered, the share answered within 20 s, and the share of hours whose calls met the
80 % target; then the same for one agent per line round the clock.
"""

import argparse
import bisect
import datetime
import heapq
import math
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402

AHT_SECONDS = 180
PATIENCE_SECONDS = 90
TARGET_SECONDS = 20
TARGET_LEVEL = 0.8
# Calls per hour on a weekday, 00:00 to 23:00: quiet nights, a morning and an afternoon peak.
PROFILE = [1, 1, 0.5, 0.5, 0.5, 1, 2, 6, 14, 20, 22, 18, 10, 12, 18, 20, 16, 10, 6, 4, 3, 2, 1.5, 1]
LINES = [("1", "Hỗ trợ chính sách", 1.0), ("2", "Phản ánh phòng, chống dịch", 2.0), ("3", "Tư vấn sức khỏe", 0.6)]
WEEKEND = 0.5
SHIFTS = [("Ca sáng", 7), ("Ca chiều", 15), ("Ca đêm", 23)]


def rate(scale, moment):
    factor = WEEKEND if moment.weekday() >= 5 else 1.0
    return PROFILE[moment.hour] * scale * factor


def setup(days):
    from django.contrib.auth import get_user_model

    from hotline import staffing
    from hotline.models import Hotline, Line, Unit
    from roster.models import Agent, PublicHoliday, ShiftPattern

    unit = Unit.objects.create(name="Trung tâm mô phỏng", code="sim")
    unit.directors.add(get_user_model().objects.create_user("sim-director"))
    hotline = Hotline.objects.create(name="Tổng đài mô phỏng", number="0000.1022", unit=unit)
    today = datetime.date.today()
    PublicHoliday.objects.seed([today.year, today.year + 1])
    lines = {}
    for digit, label, scale in LINES:
        line = Line.objects.create(hotline=hotline, digit=digit, label=label, unit=unit, queue=f"sim-{digit}")
        hours = [
            staffing.HourNeed(
                weekday,
                hour,
                PROFILE[hour] * scale * (WEEKEND if weekday >= 5 else 1.0),
                max(
                    1,
                    staffing.agents_needed(
                        PROFILE[hour] * scale * (WEEKEND if weekday >= 5 else 1.0),
                        AHT_SECONDS,
                        TARGET_SECONDS,
                        TARGET_LEVEL,
                    ).agents,
                ),
            )
            for weekday in range(7)
            for hour in range(24)
        ]
        staffing.apply_needs(staffing.LineNeeds(line, today, today, 1, 0, AHT_SECONDS, hours))
        for name, start in SHIFTS:
            ShiftPattern.objects.create(
                line=line, name=name, start_time=datetime.time(start), duration=datetime.timedelta(hours=8)
            )
        # Agent-hours a week at the peak of each shift, and a quarter more for rest and leave.
        weekly = sum(
            8 * max(h.agents for h in hours if h.weekday == day and (h.hour - start) % 24 < 8)
            for day in range(7)
            for _name, start in SHIFTS
        )
        for n in range(math.ceil(weekly / 40 * 1.25) + 2):
            agent = Agent.objects.create(
                unit=unit,
                full_name=f"Cán bộ {digit}-{n:02d}",
                phone=f"+849{int(digit)}{n:07d}",
                notify_by_sms=False,
                max_hours_per_week=48,
            )
            agent.lines.add(line)
        lines[digit] = (line, scale)
    return lines


def build(lines, first, last):
    from roster.services import roster_build, roster_publish

    for digit, (line, _scale) in lines.items():
        result = roster_build(lines=[line], start=first, end=last, time_limit_s=30)
        roster_publish(roster=result.roster, allow_gaps=True)
        print(f"line {digit}: roster filled {result.filled}/{result.required} places ({result.wall_s:.1f} s)")


def on_duty_counts(line, start, end):
    """Sorted (moment, agents on duty from then on) for the line's published roster."""
    from roster.models import Assignment

    changes = {}
    held = Assignment.objects.filter(shift__line=line, is_live=True, start__lt=end, end__gt=start).exclude(
        status__in=Assignment.NOT_HOLDING
    )
    for a in held:
        changes[a.start] = changes.get(a.start, 0) + 1
        changes[a.end] = changes.get(a.end, 0) - 1
    moments, counts, current = [], [], 0
    for moment in sorted(changes):
        current += changes[moment]
        moments.append(moment)
        counts.append(current)
    return moments, counts


def agents_at(moments, counts, moment):
    index = bisect.bisect_right(moments, moment) - 1
    return counts[index] if index >= 0 else 0


def month_of_calls(scale, start, end, rng):
    """(arrival, patience s, handling s) of every call: the same calls for both rosters."""
    calls = []
    hour = start
    while hour < end:
        hour_end = hour + datetime.timedelta(hours=1)
        lam, moment = rate(scale, hour) / 3600, hour
        while lam > 0:
            moment += datetime.timedelta(seconds=rng.expovariate(lam))
            if moment >= hour_end:
                break
            calls.append((moment, rng.expovariate(1 / PATIENCE_SECONDS), rng.expovariate(1 / AHT_SECONDS)))
        hour = hour_end
    return calls


def play(calls, staffed_at):
    """First come, first served by the agents on duty; return (offered, answered, within
    target, hours with calls, those hours meeting the target)."""
    free_at = []  # a heap of the moments the agents on duty become free
    on_duty = answered = within = 0
    per_hour = {}
    for moment, patience, handling in calls:
        wanted = staffed_at(moment)
        while on_duty < wanted:
            heapq.heappush(free_at, moment)
            on_duty += 1
        while on_duty > wanted:
            # At a shift change the agent who would be free last leaves.
            free_at.remove(max(free_at))
            heapq.heapify(free_at)
            on_duty -= 1
        stats = per_hour.setdefault(moment.replace(minute=0, second=0, microsecond=0), [0, 0])
        stats[0] += 1
        if not free_at:
            continue
        begins = max(moment, free_at[0])
        wait = (begins - moment).total_seconds()
        if wait > patience:
            continue  # the caller hung up
        heapq.heapreplace(free_at, begins + datetime.timedelta(seconds=handling))
        answered += 1
        if wait <= TARGET_SECONDS:
            within += 1
            stats[1] += 1
    met = sum(1 for total, good in per_hour.values() if good >= TARGET_LEVEL * total)
    return len(calls), answered, within, len(per_hour), met


def report(title, results):
    print(f"\n{title}")
    print(f"{'line':>5} {'calls':>7} {'answered':>9} {'in 20 s':>8} {'hours meeting 80 %':>19}")
    for digit, (offered, answered, within, hours, met) in results.items():
        print(
            f"{digit:>5} {offered:>7} {answered / offered:>9.1%} {within / offered:>8.1%} "
            f"{met / hours:>19.1%}  ({met}/{hours})"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()

    database_url, admin_url, name = scratch_database()
    os.environ.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"})
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    try:
        first = timezone.localdate() + datetime.timedelta(days=1)
        last = first + datetime.timedelta(days=args.days - 1)
        lines = setup(args.days)
        build(lines, first, last)
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)

        rostered, single = {}, {}
        rng = random.Random(args.seed)
        for digit, (line, scale) in lines.items():
            calls = month_of_calls(scale, start, end, rng)
            moments, counts = on_duty_counts(line, start, end)
            rostered[digit] = play(calls, lambda m, ms=moments, cs=counts: agents_at(ms, cs, m))
            single[digit] = play(calls, lambda m: 1)
        report(f"Roster built by Trực Ban from Erlang C requirements ({args.days} days):", rostered)
        report("One agent per line round the clock:", single)
    finally:
        connections.close_all()
        drop_database(admin_url, name)


if __name__ == "__main__":
    main()
