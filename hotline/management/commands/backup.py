from pathlib import Path

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from hotline import backups


class Command(BaseCommand):
    help = (
        "Back up the whole database to one file: pg_dump's custom format on PostgreSQL, a copy of "
        "the file on SQLite. Prints the file written and its size. Restore it with `manage.py restore`."
    )
    # A backup must work even when something else in the project fails its checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the file to write (default: var/backups/trucban-YYYYmmdd-HHMMSS.dump)")
        parser.add_argument("--database-url", help="back up this database instead of the configured one")

    def handle(self, *args, **options):
        if options["database_url"]:
            db = environ.Env.db_url_config(options["database_url"])
        else:
            db = connections[DEFAULT_DB_ALIAS].settings_dict
        output = options["output"] or default_output()
        try:
            path = backups.backup(db, output)
        except backups.BackupError as e:
            raise CommandError(str(e)) from e
        except OSError as e:
            raise CommandError(f"cannot write {output}: {e.strerror}") from e
        self.stdout.write(f"wrote {path} ({filesizeformat(path.stat().st_size)})")


def default_output():
    # The site's local time, as people at the province read it.
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"trucban-{stamp}.dump"
