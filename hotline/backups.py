"""
Backups of the whole database in one file, and restoring one (`manage.py backup`, `manage.py restore`).

On PostgreSQL the work is done by pg_dump and pg_restore (an archive in pg_dump's custom format);
on SQLite, the `make run` default, by SQLite's online backup API, which copies a consistent
snapshot even while the web server and the worker are writing. `db` is a Django database
settings dict (HOST, PORT, USER, PASSWORD, NAME, OPTIONS), from the settings or from a URL.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

# The first bytes of each kind of file, to refuse the wrong one with a clear message.
PG_ARCHIVE_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    pass


def is_postgresql(db):
    return db["ENGINE"].startswith("django.db.backends.postgresql")


def is_sqlite(db):
    return db["ENGINE"] == "django.db.backends.sqlite3"


def backup(db, path):
    """Write the database `db` to `path`; the file appears only once it is complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    # Readable by its owner only, from the first byte: a backup holds password hashes and phone numbers.
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        if is_postgresql(db):
            pg_dump(db, partial)
        elif is_sqlite(db):
            source = sqlite_name(db)
            # SQLite would quietly make an empty database of a wrong path, and we would save that.
            if not source.startswith("file:") and not Path(source).is_file():
                raise BackupError(f"there is no SQLite database at {source}")
            sqlite_copy(source, str(partial))
            # A self-contained file, without the -wal and -shm files WAL mode would leave beside it.
            copy = sqlite3.connect(partial)
            try:
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        else:
            raise BackupError(f"cannot back up a {db['ENGINE']} database, only PostgreSQL and SQLite")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(db, path):
    """Replace every table of the database `db` with those of the backup at `path`."""
    path = Path(path)
    with open(path, "rb") as file:
        start = file.read(len(SQLITE_MAGIC))
    if is_postgresql(db):
        if not start.startswith(PG_ARCHIVE_MAGIC):
            raise BackupError(f"{path} is not a PostgreSQL backup (pg_dump --format=custom)")
        pg_restore(db, path)
    elif is_sqlite(db):
        if start != SQLITE_MAGIC:
            raise BackupError(f"{path} is not an SQLite backup")
        sqlite_copy(str(path), sqlite_name(db))
    else:
        raise BackupError(f"cannot restore into a {db['ENGINE']} database, only PostgreSQL and SQLite")


def pg_dump(db, path):
    with open(path, "wb") as output:
        run_pg("pg_dump", ["--format=custom", *pg_connection_args(db)], db, stdout=output)


def pg_restore(db, path):
    # The extensions (btree_gist) are left out of the restore and made beforehand if missing: with
    # --clean, pg_restore would drop and re-create them, which only their owner may do, and when
    # a superuser created btree_gist (README, "Running it for a province") the restore would fail.
    contents = run_pg("pg_restore", ["--list", str(path)], db, stdout=subprocess.PIPE).stdout.splitlines()
    extensions = [line.split()[-1] for line in contents if re.match(r"\d+; \d+ \d+ EXTENSION - ", line)]
    others = [line for line in contents if not re.match(r"\d+; \d+ \d+ (COMMENT - )?EXTENSION ", line)]
    for name in extensions:
        create = f'CREATE EXTENSION IF NOT EXISTS "{name}"'
        psql_options = ["--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--command", create]
        run_pg("psql", [*psql_options, *pg_connection_args(db)], db, stdout=subprocess.DEVNULL)
    # --clean --if-exists drops each object before creating it again, so restoring over a live
    # database and into an empty one both work; --no-owner gives every object to the user we
    # connect as, whoever owned them on the server the backup came from; --single-transaction
    # leaves the database as it was when anything fails, instead of half restored.
    with tempfile.NamedTemporaryFile("w", suffix=".list") as use_list:
        use_list.writelines(line + "\n" for line in others)
        use_list.flush()
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--use-list", use_list.name]
        run_pg("pg_restore", [*options, *pg_connection_args(db), str(path)], db, stdout=subprocess.DEVNULL)


def pg_connection_args(db):
    args = []
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return [*args, "--dbname", db["NAME"]]


def run_pg(program, args, db, stdout):
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed: install the PostgreSQL client of the server's major version "
            "(on Debian 12: apt install postgresql-client-15)"
        )
    env = dict(os.environ)
    # The password in the environment, never on the command line where `ps` shows it.
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    # Never wait for a password typed at a terminal: a nightly timer has none.
    args = [program, "--no-password", *args]
    result = subprocess.run(args, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        why = lines[-1] if lines else f"exit status {result.returncode}"
        # pg_restore sums up at the end ("errors ignored on restore: 1"); the first error says what.
        errors = [line for line in lines if "error:" in line]
        if errors:
            why = errors[0]
        raise BackupError(f"{program} failed: {why}")
    return result


def sqlite_name(db):
    return str(db["NAME"])


def sqlite_copy(source, target):
    """Copy the SQLite database at `source` over the one at `target`, page by page."""
    try:
        source_connection = sqlite3.connect(source, uri=source.startswith("file:"))
        target_connection = sqlite3.connect(target, uri=target.startswith("file:"), timeout=20)
        try:
            source_connection.backup(target_connection)
        finally:
            target_connection.close()
            source_connection.close()
    except sqlite3.Error as e:
        raise BackupError(f"cannot copy {source} to {target}: {e}") from e
