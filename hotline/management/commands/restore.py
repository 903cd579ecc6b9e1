import sys

import environ
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from hotline import backups

EXIT_BAD_ARGUMENTS = 2


class Command(BaseCommand):
    help = (
        "Replace every table of the database with a backup written by `manage.py backup`. Asks "
        "first, unless --yes is given. Stop the web server, the workers and beat before."
    )
    # Restoring must work even when something else in the project fails its checks.
    requires_system_checks = []
    # Tests hand the command their own answer to the question.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by `manage.py backup`")
        parser.add_argument(
            "--database-url",
            help="restore into this database instead of the configured one (for example an empty "
            "database, to check that a backup restores)",
        )
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the database")

    def handle(self, *args, **options):
        if options["database_url"]:
            db = environ.Env.db_url_config(options["database_url"])
        else:
            db = connections[DEFAULT_DB_ALIAS].settings_dict
        path = options["file"]
        try:
            with open(path, "rb"):
                pass
        except OSError as e:
            raise CommandError(f"cannot read {path}: {e.strerror}", returncode=EXIT_BAD_ARGUMENTS) from e

        where = describe(db)
        if not options["yes"]:
            stdin = options.get("stdin", sys.stdin)
            # A timer or a script cannot answer: it must say --yes, never hang on a question.
            if not stdin.isatty():
                raise CommandError(
                    f"restoring replaces every row of {where}: run again with --yes to go on",
                    returncode=EXIT_BAD_ARGUMENTS,
                )
            self.stdout.write(f"This replaces every row of {where} with {path}.")
            self.stdout.write("Type 'yes' to go on: ", ending="")
            self.stdout.flush()
            if stdin.readline().strip().lower() != "yes":
                raise CommandError("restore cancelled, nothing changed")

        try:
            backups.restore(db, path)
        except backups.BackupError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"restored {path} into {where}")


def describe(db):
    """The database in words an operator recognises, without its password."""
    if backups.is_sqlite(db):
        return f"the SQLite database {db['NAME']}"
    host = db.get("HOST") or "the local socket"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"the database {db['NAME']} on {host}{port}"
