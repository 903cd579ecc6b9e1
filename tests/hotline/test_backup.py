"""`backup [--output FILE]` and `restore FILE [--database-url URL] [--yes]` (docs/operations.md)."""

import re
import shutil
import sqlite3
import stat
from io import StringIO
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from hotline.models import CallRecord
from tests.factories import AssignmentFactory, LeaveFactory, UserFactory

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL, as CI has (DATABASE_URL)"
)


def run(*args, stdin=None):
    """The command's exit status and what it printed, as `manage.py` would end."""
    out = StringIO()
    options = {"stdout": out}
    if stdin is not None:
        options["stdin"] = stdin
    try:
        call_command(*args, **options)
    except CommandError as e:
        return e.returncode, str(e)
    return 0, out.getvalue()


def server(dbname):
    """A psycopg connection to `dbname` on the test database's server, as the test user."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def url(dbname, user=None, password=None):
    db = connection.settings_dict
    credentials = quote(user or db["USER"], safe="")
    if password or (user is None and db["PASSWORD"]):
        credentials += ":" + quote(password or db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{dbname}"


@pytest.fixture
def empty_database():
    """A fresh database beside the test database, by name; dropped at the end."""
    name = f"{connection.settings_dict['NAME']}_restore"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with server("postgres") as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with server("postgres") as admin:
        admin.execute(drop)


@pytest.fixture
def database_owner(empty_database):
    """A user who owns the empty database but is no superuser, as a province's `trucban` user; dropped at the end."""
    role = f"{empty_database}_owner"
    with server("postgres") as admin:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'owner-pass'").format(sql.Identifier(role)))
        admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(*map(sql.Identifier, [empty_database, role])))
    yield role
    with server("postgres") as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(empty_database)))
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def contents(dbname):
    """Every row of every table of every installed model, and where each sequence stands."""
    tables = sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)})
    with server(dbname) as db:
        rows = {
            table: db.execute(sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier(table))).fetchall()
            for table in tables
        }
        sequences = db.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1").fetchall()
    return rows, sequences


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_row_into_an_empty_database(tmp_path, settings, empty_database):
    assignment = AssignmentFactory(agent__full_name="Trần Thị Bảy", shift__line__unit__name="Trung tâm Y tế Cà Mau")
    LeaveFactory(agent=assignment.agent)
    UserFactory(username="giamdoc")
    CallRecord.objects.create(
        hotline=assignment.shift.line.hotline,
        line=assignment.shift.line,
        source_id="1772330400.1",
        started_at=assignment.shift.start,
        ended_at=assignment.shift.start,
        outcome=CallRecord.Outcome.ANSWERED,
    )
    settings.VAR_DIR = tmp_path

    status, output = run("backup")

    assert status == 0, output
    [backup] = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"trucban-\d{8}-\d{6}\.dump", backup.name)
    assert f"wrote {backup} (" in output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # password hashes, phone numbers

    name = empty_database
    status, output = run("restore", str(backup), "--database-url", url(name), "--yes")

    assert status == 0, output
    assert f"restored {backup} into the database {name}" in output
    original, restored = contents(connection.settings_dict["NAME"]), contents(name)
    assert restored == original
    rows, _ = restored
    assert all(rows[table] for table in ("auth_user", "hotline_unit", "roster_agent", "roster_assignment"))
    with server(name) as db:
        [(agent,)] = db.execute("SELECT full_name FROM roster_agent WHERE id = %s", [assignment.agent_id])
        [(unit,)] = db.execute("SELECT name FROM hotline_unit WHERE id = %s", [assignment.shift.line.unit_id])
    assert (agent, unit) == ("Trần Thị Bảy", "Trung tâm Y tế Cà Mau")

    # Over a database that has rows of its own (and lost some): the backup's rows, no more, no less.
    with server(name) as db:
        db.execute("DELETE FROM hotline_callrecord")
        db.execute("UPDATE auth_user SET username = 'someone-else' WHERE username = 'giamdoc'")
    status, output = run("restore", str(backup), "--database-url", url(name), "--yes")

    assert status == 0, output
    assert contents(name) == original


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_database_owner_restores_even_when_a_superuser_made_btree_gist(tmp_path, empty_database, database_owner):
    AssignmentFactory()
    backup = tmp_path / "trucban.dump"
    assert run("backup", "--output", str(backup))[0] == 0
    owner_url = url(empty_database, user=database_owner, password="owner-pass")

    # Into an empty database, the owner makes btree_gist (a trusted extension) itself.
    status, output = run("restore", str(backup), "--database-url", owner_url, "--yes")
    assert status == 0, output
    # Over it again, as over a live database: pg_restore --clean must not drop the extension,
    # which only its owner may; here a superuser makes it, as README allows.
    with server(empty_database) as db:
        db.execute("DROP EXTENSION btree_gist CASCADE")
        db.execute("CREATE EXTENSION btree_gist")
    status, output = run("restore", str(backup), "--database-url", owner_url, "--yes")

    assert status == 0, output
    assert contents(empty_database) == contents(connection.settings_dict["NAME"])
    with server(empty_database) as db:
        [(owner,)] = db.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'roster_assignment'")
        [(constraints,)] = db.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'x' AND conrelid = 'roster_assignment'::regclass"
        )
    assert owner == database_owner  # --no-owner: the objects belong to whoever restores
    assert constraints == 1  # no agent on two overlapping shifts, on btree_gist


def test_an_sqlite_database_makes_the_round_trip(tmp_path):
    source = tmp_path / "trucban.sqlite3"
    with sqlite3.connect(source) as db:
        db.execute("PRAGMA journal_mode=WAL")  # as the settings open it
        db.execute("CREATE TABLE unit (name TEXT)")
        db.execute("INSERT INTO unit VALUES ('Cà Mau'), ('Bạc Liêu')")
    backup = tmp_path / "backups" / "trucban.dump"
    target = tmp_path / "restored.sqlite3"
    with sqlite3.connect(target) as db:
        db.execute("CREATE TABLE unit (name TEXT)")
        db.execute("INSERT INTO unit VALUES ('not in the backup')")

    assert run("backup", "--database-url", f"sqlite:///{source}", "--output", str(backup))[0] == 0
    status, output = run("restore", str(backup), "--database-url", f"sqlite:///{target}", "--yes")

    assert status == 0, output
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT name FROM unit ORDER BY name").fetchall() == [("Bạc Liêu",), ("Cà Mau",)]
    assert not (tmp_path / "backups" / "trucban.dump-wal").exists()  # one self-contained file


def test_restore_asks_first_and_a_script_must_say_yes(tmp_path):
    source = tmp_path / "backup.dump"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE unit (name TEXT)")
    target = f"sqlite:///{tmp_path / 'trucban.sqlite3'}"

    class Terminal(StringIO):
        def isatty(self):
            return True

    assert run("restore", str(source), "--database-url", target, stdin=StringIO("yes\n")) == (
        2,
        f"restoring replaces every row of the SQLite database {tmp_path / 'trucban.sqlite3'}: "
        "run again with --yes to go on",
    )
    assert run("restore", str(source), "--database-url", target, stdin=Terminal("no\n")) == (
        1,
        "restore cancelled, nothing changed",
    )
    assert not (tmp_path / "trucban.sqlite3").exists()
    assert run("restore", str(source), "--database-url", target, stdin=Terminal("yes\n"))[0] == 0
    assert (tmp_path / "trucban.sqlite3").exists()


def test_restore_refuses_a_missing_file_or_the_wrong_kind(tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'trucban.sqlite3'}"
    postgres_url = "postgres://trucban@127.0.0.1:5432/trucban"
    sqlite_backup = tmp_path / "sqlite.dump"
    with sqlite3.connect(sqlite_backup) as db:
        db.execute("CREATE TABLE unit (name TEXT)")
    text = tmp_path / "notes.txt"
    text.write_text("not a backup")

    missing = run("restore", str(tmp_path / "nothing.dump"), "--database-url", sqlite_url, "--yes")
    assert missing == (2, f"cannot read {tmp_path / 'nothing.dump'}: No such file or directory")
    assert run("restore", str(text), "--database-url", sqlite_url, "--yes") == (
        1,
        f"{text} is not an SQLite backup",
    )
    assert run("restore", str(sqlite_backup), "--database-url", postgres_url, "--yes") == (
        1,
        f"{sqlite_backup} is not a PostgreSQL backup (pg_dump --format=custom)",
    )
    with pytest.raises(CommandError, match="the following arguments are required: file"):
        call_command("restore")


def test_backup_says_when_pg_dump_is_missing_or_fails(tmp_path, monkeypatch):
    output = tmp_path / "trucban.dump"
    if shutil.which("pg_dump"):
        # Nothing listens on port 1: pg_dump fails at once, and no half-written file is left.
        status, message = run("backup", "--database-url", "postgres://u@127.0.0.1:1/trucban", "--output", str(output))
        assert status == 1
        assert message.startswith('pg_dump failed: pg_dump: error: connection to server at "127.0.0.1", port 1 failed')
        assert list(tmp_path.iterdir()) == []

    monkeypatch.setenv("PATH", str(tmp_path))
    status, message = run("backup", "--database-url", "postgres://u@127.0.0.1/trucban", "--output", str(output))

    assert status == 1
    assert message.startswith("pg_dump is not installed: install the PostgreSQL client of the server's major version")
    assert list(tmp_path.iterdir()) == []
