"""
The Cà Mau 1022 demo: units, the hotline and its three lines, 32 agents, users for each
role, and a published roster from today to today + 14 days, round the clock.

Loading it again is safe: what exists is left alone, and only days that no demo roster
covers yet are added. The demo starts calm: the shifts it creates already begun are checked
in, and its agents are not told of a roster change (they never had another roster).
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hotline.models import Hotline, Line, StaffingRequirement, Unit
from roster.models import Agent, Assignment, Leave, Roster, ShiftChange, ShiftPattern
from roster.services import roster_build, roster_publish

HOTLINE_NUMBER = "0290.1022"
DAYS_AHEAD = 14
# The demo roster is easy to fill; the engine stops once its fairness search stalls anyway.
BUILD_SECONDS = 3

UNITS = [
    # code, name, parent code
    ("vp-ubnd", "Văn phòng UBND tỉnh Cà Mau", None),
    ("syt", "Sở Y tế tỉnh Cà Mau", None),
    ("cdc", "Trung tâm Kiểm soát Bệnh tật tỉnh Cà Mau", "syt"),
    ("ldtbxh", "Sở Lao động – Thương binh và Xã hội tỉnh Cà Mau", None),
]

LINES = [
    # digit, label, answering unit, queue, description
    (
        "1",
        "Hỗ trợ chính sách cho người dân bị ảnh hưởng bởi dịch bệnh",
        "ldtbxh",
        "cm1022-1",
        "Giải đáp chính sách hỗ trợ người lao động, người dân gặp khó khăn do dịch bệnh.",
    ),
    (
        "2",
        "Phản ánh về công tác phòng, chống dịch",
        "cdc",
        "cm1022-2",
        "Tiếp nhận phản ánh, kiến nghị của người dân về công tác phòng, chống dịch.",
    ),
    (
        "3",
        "Tư vấn sức khỏe",
        "syt",
        "cm1022-3",
        "Tư vấn chăm sóc sức khỏe, điều trị tại nhà và tiêm chủng.",
    ),
]

# Users: username, first name, last name, the unit they direct (None for admin and agent).
USERS = [
    ("operator", "Hải", "Trần Thanh", "vp-ubnd"),
    ("director", "Minh", "Nguyễn Văn", "cdc"),
    ("director-syt", "Lan", "Phạm Thị", "syt"),
    ("director-ldtbxh", "Dũng", "Lê Quốc", "ldtbxh"),
]

# full name, unit, lines; the first agent of the CDC signs in as "agent".
AGENTS = [
    ("Nguyễn Thị Hồng Nhung", "cdc", "2"),
    ("Trần Văn Phúc", "cdc", "2"),
    ("Lê Thị Thu Trang", "cdc", "2"),
    ("Phạm Minh Tuấn", "cdc", "2"),
    ("Huỳnh Thị Kim Ngân", "cdc", "2"),
    ("Võ Thanh Tâm", "cdc", "2"),
    ("Đặng Quốc Bảo", "cdc", "2"),
    ("Bùi Thị Mỹ Linh", "cdc", "2"),
    ("Đỗ Hoàng Nam", "cdc", "2"),
    ("Hồ Thị Bích Trâm", "cdc", "2"),
    ("Ngô Văn Khải", "cdc", "2"),
    ("Dương Thị Ngọc Hân", "cdc", "2"),
    ("Lý Thanh Hùng", "syt", "3"),
    ("Trương Thị Yến Nhi", "syt", "3"),
    ("Châu Văn Lộc", "syt", "3"),
    ("Mai Thị Thanh Thảo", "syt", "3"),
    ("Tạ Minh Khoa", "syt", "3"),
    ("Lâm Thị Diễm My", "syt", "3"),
    ("Quách Văn Thái", "syt", "3"),
    ("Kiều Thị Phương Thảo", "syt", "2;3"),
    ("Phan Văn Hậu", "syt", "2;3"),
    ("Tô Thị Cẩm Tú", "syt", "3"),
    ("Nguyễn Văn Thắng", "ldtbxh", "1"),
    ("Trần Thị Ngọc Ánh", "ldtbxh", "1"),
    ("Lê Hoàng Phong", "ldtbxh", "1"),
    ("Phạm Thị Tuyết Mai", "ldtbxh", "1"),
    ("Huỳnh Văn Sang", "ldtbxh", "1"),
    ("Võ Thị Kim Loan", "ldtbxh", "1"),
    ("Đinh Công Thành", "ldtbxh", "1"),
    ("Cao Thị Mỹ Duyên", "ldtbxh", "1"),
    ("Nguyễn Hữu Trí", "ldtbxh", "1"),
    ("Lưu Thị Hoài Thương", "ldtbxh", "1"),
]

PATTERNS = [("Ca ngày", datetime.time(7, 0)), ("Ca đêm", datetime.time(19, 0))]


def demo_load(*, today: datetime.date, password: str) -> list[str]:
    """Load or extend the demo; return what to print."""
    with transaction.atomic():
        hotline, created = _load_organisation(password)
        if created:
            _load_leave(today)
        added = _extend_rosters(hotline, today)
    lines = [
        f"Hotline {hotline.number}: {hotline.name}",
        f"Roster days added: {added}" if added else "Rosters already cover today + 14 days.",
        "",
        f"Users (password {password!r}):",
        "  admin             administrator",
        "  operator          hotline operator, Văn phòng UBND tỉnh Cà Mau",
        "  director          director, Trung tâm Kiểm soát Bệnh tật (line 2)",
        "  director-syt      director, Sở Y tế (line 3)",
        "  director-ldtbxh   director, Sở LĐ-TB&XH (line 1)",
        "  agent             agent of line 2",
    ]
    return lines


def _load_organisation(password):
    units = {}
    for code, name, parent in UNITS:
        units[code], _ = Unit.objects.get_or_create(code=code, defaults={"name": name, "parent": units.get(parent)})
    hotline, created = Hotline.objects.get_or_create(
        number=HOTLINE_NUMBER,
        defaults={"name": "Tổng đài dịch vụ công 1022", "unit": units["vp-ubnd"]},
    )
    for digit, label, unit, queue, description in LINES:
        line, line_created = Line.objects.get_or_create(
            hotline=hotline,
            digit=digit,
            defaults={"label": label, "unit": units[unit], "queue": queue, "description": description},
        )
        if line_created:
            for name, start in PATTERNS:
                ShiftPattern.objects.create(
                    line=line, name=name, start_time=start, duration=datetime.timedelta(hours=12)
                )
        if line_created and digit == "2":
            # Feedback peaks in the daytime: two agents from 07:00 to 19:00.
            StaffingRequirement.objects.bulk_create(
                StaffingRequirement(line=line, weekday=day, start=start, end=end, required=required)
                for day in range(7)
                for start, end, required in [
                    (datetime.time(0), datetime.time(7), 1),
                    (datetime.time(7), datetime.time(19), 2),
                    (datetime.time(19), datetime.time(0), 1),
                ]
            )

    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@trucban.example", password)
    for username, first_name, last_name, unit in USERS:
        user, user_created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@trucban.example",
            },
        )
        if user_created:
            user.set_password(password)
            user.save(update_fields=["password"])
            units[unit].directors.add(user)

    lines_by_digit = {line.digit: line for line in hotline.lines.all()}
    for number, (full_name, unit, digits) in enumerate(AGENTS):
        agent, agent_created = Agent.objects.get_or_create(
            phone=f"+8491{2000000 + number * 7919:07d}",
            defaults={
                "full_name": full_name,
                "unit": units[unit],
                "email": f"agent{number + 1:02d}@trucban.example",
                "max_hours_per_week": 48,
            },
        )
        if agent_created:
            agent.lines.set([lines_by_digit[d] for d in digits.split(";")])
        if number == 0 and agent.user_id is None:
            user, user_created = User.objects.get_or_create(
                username="agent",
                defaults={"first_name": "Nhung", "last_name": "Nguyễn Thị Hồng", "email": agent.email},
            )
            if user_created:
                user.set_password(password)
                user.save(update_fields=["password"])
            agent.user = user
            agent.save(update_fields=["user"])
    return hotline, created


def _load_leave(today):
    tz = timezone.get_current_timezone()

    def day(offset):
        return datetime.datetime.combine(today + datetime.timedelta(days=offset), datetime.time.min, tzinfo=tz)

    agents = list(Agent.objects.filter(unit__code__in=["cdc", "syt"]).order_by("phone"))
    Leave.objects.create(
        agent=agents[3], start=day(2), end=day(5), reason="Nghỉ phép năm", status=Leave.Status.APPROVED
    )
    Leave.objects.create(agent=agents[14], start=day(6), end=day(8), reason="Ốm", status=Leave.Status.APPROVED)
    Leave.objects.create(
        agent=agents[7], start=day(10), end=day(12), reason="Việc gia đình", status=Leave.Status.REQUESTED
    )


def _extend_rosters(hotline, today) -> int:
    """Build and publish rosters for the days from today to today + 14 that none covers."""
    last = today + datetime.timedelta(days=DAYS_AHEAD)
    covered = Roster.objects.filter(lines__hotline=hotline, status=Roster.Status.PUBLISHED).order_by("-end").first()
    # The very first roster also takes yesterday, whose night shift covers the early hours of today.
    first = max(today, covered.end + datetime.timedelta(days=1)) if covered else today - datetime.timedelta(days=1)
    if first > last:
        return 0
    lines = list(hotline.lines.filter(active=True))
    result = roster_build(lines=lines, start=first, end=last, time_limit_s=BUILD_SECONDS)
    roster = roster_publish(roster=result.roster, allow_gaps=True)
    # Publishing records each agent's new shifts as changes to tell them of; the demo's
    # agents had no roster before this one, so thirty-odd "your roster changed" messages
    # would only be noise on the first minute of `make run`.
    ShiftChange.objects.filter(created_at=roster.published_at, notified_at__isnull=True).delete()
    # Shifts already under way (and those already over) are created as worked: otherwise the
    # first beat tick escalates every one of them as nobody checked in.
    Assignment.objects.filter(shift__roster=roster, start__lte=timezone.now()).exclude(
        status__in=Assignment.NOT_HOLDING
    ).update(status=Assignment.Status.CHECKED_IN, checked_in_at=F("start"))
    return (last - first).days + 1
