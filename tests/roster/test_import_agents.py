"""`import_agents FILE.csv [--skip-bad]` as docs/reference.md §3 says."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from roster.models import Agent
from tests.factories import LineFactory, UnitFactory

HEADER = "full_name,phone,email,unit,lines,max_hours_per_week\n"


@pytest.fixture
def cdc(db):
    unit = UnitFactory(code="cdc", name="CDC Cà Mau")
    line = LineFactory(digit="2", unit=unit)
    LineFactory(digit="3", unit=unit, hotline=line.hotline)
    return unit


def run(tmp_path, text, *args, bom=False):
    path = tmp_path / "agents.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    out = StringIO()
    try:
        call_command("import_agents", str(path), *args, stdout=out)
    except CommandError as e:  # manage.py prints it and exits with its returncode
        return e.returncode, out.getvalue() + str(e)
    return 0, out.getvalue()


def test_new_agents_are_created_with_a_login(tmp_path, cdc):
    code, out = run(
        tmp_path,
        HEADER + "Nguyễn Thị Lan,0912 345 678,lan@cdc.camau.gov.vn,cdc,2;3,40\n",
        bom=True,
    )
    assert code == 0, out
    agent = Agent.objects.get(phone="+84912345678")
    assert agent.full_name == "Nguyễn Thị Lan"
    assert sorted(agent.lines.values_list("digit", flat=True)) == ["2", "3"]
    assert agent.max_hours_per_week == 40
    assert agent.user.username == "lan@cdc.camau.gov.vn"
    assert agent.user.first_name == "Lan"
    assert not agent.user.has_usable_password()


def test_an_agent_is_matched_by_phone_and_updated(tmp_path, cdc):
    run(tmp_path, HEADER + "Nguyễn Thị Lan,0912345678,lan@cdc.camau.gov.vn,cdc,2,40\n")
    code, out = run(tmp_path, HEADER + "Nguyễn Thị Lan Anh,+84912345678,lan@cdc.camau.gov.vn,cdc,3,30\n")
    assert code == 0
    agent = Agent.objects.get()
    assert (agent.full_name, agent.max_hours_per_week) == ("Nguyễn Thị Lan Anh", 30)
    assert list(agent.lines.values_list("digit", flat=True)) == ["3"]
    assert get_user_model().objects.count() == 1
    assert "updated 1" in out


def test_one_bad_row_writes_nothing_and_names_every_bad_line(tmp_path, cdc):
    code, out = run(
        tmp_path,
        HEADER
        + "Nguyễn Thị Lan,0912345678,lan@cdc.camau.gov.vn,cdc,2,40\n"
        + "Trần Văn Bình,12345,binh@cdc.camau.gov.vn,cdc,2,40\n"
        + "Lê Văn Cường,0987654321,cuong@x.vn,khong-co,7,40\n",
    )
    assert code == 2
    assert "line 3: phone" in out
    assert "line 4: unit: không có đơn vị “khong-co”; hãy ghi mã đơn vị (" in out
    assert "; lines: không có nhánh 7" in out
    assert not Agent.objects.exists()


def test_a_unit_may_be_named_as_people_write_it_and_problems_read_as_one_sentence(tmp_path, cdc):
    code, out = run(
        tmp_path,
        HEADER + "Nguyễn Thị Lan,0912345678,,cdc cà mau,2,40\n" + "Trần Văn Bình,12345,,CDC  Cà Mau,2,0,8\n",
    )
    assert code == 2
    # The phone's message ends with a full stop of its own: never "….; …".
    assert ".;" not in out
    assert "line 3: phone: " in out and "; max_hours_per_week: “0” không phải là số nguyên" in out
    code, out = run(tmp_path, HEADER + "Nguyễn Thị Lan,0912345678,,CDC Cà Mau,2,40\n")
    assert code == 0
    assert Agent.objects.get().unit == cdc


def test_skip_bad_writes_the_good_rows(tmp_path, cdc):
    code, out = run(
        tmp_path,
        HEADER + "Nguyễn Thị Lan,0912345678,,cdc,2,40\n" + "Trần Văn Bình,0912345679,binh@x.vn,cdc,2,999\n",
        "--skip-bad",
    )
    assert code == 0
    assert "line 3: max_hours_per_week" in out
    agent = Agent.objects.get()
    assert agent.user.username == "84912345678"


def test_the_same_phone_twice_in_a_file_is_bad(tmp_path, cdc):
    code, out = run(tmp_path, HEADER + "A B,0912345678,,cdc,2,40\n" + "C D,0912 345 678,,cdc,2,40\n")
    assert code == 2
    assert "line 3: số điện thoại +84912345678 trùng với dòng 2" in out


def test_a_file_without_the_columns_cannot_be_read(tmp_path, cdc):
    code, out = run(tmp_path, "name,phone\nA,0912345678\n")
    assert code == 2
    assert "full_name" in out
    assert not Agent.objects.exists()


def test_a_login_that_belongs_to_someone_else_is_bad(tmp_path, cdc):
    get_user_model().objects.create(username="lan@cdc.camau.gov.vn")
    code, out = run(tmp_path, HEADER + "Nguyễn Thị Lan,0912345678,lan@cdc.camau.gov.vn,cdc,2,40\n")
    assert code == 2
    assert "line 2: tên đăng nhập lan@cdc.camau.gov.vn đã thuộc về người khác" in out


@pytest.mark.django_db(transaction=True)
def test_manage_py_exits_2_and_names_the_line(tmp_path):
    """The exit code as a shell sees it: manage.py's own entry point, on the test database."""
    UnitFactory(code="cdc")
    path = tmp_path / "agents.csv"
    path.write_text(HEADER + "A B,not-a-phone,,cdc,,40\n")
    database = connection.settings_dict
    env = dict(os.environ)
    if database["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    else:
        pytest.skip("a second process cannot see an in-memory SQLite test database")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_agents", str(path)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2
    assert result.stdout.startswith("line 2: phone")
