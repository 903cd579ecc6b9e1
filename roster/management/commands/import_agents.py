from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from roster.agent_import import UnreadableFile, read_agents, write_agents

EXIT_BAD_ROWS = 2


class Command(BaseCommand):
    help = (
        "Create or update agents from a CSV file (full_name,phone,email,unit,lines,max_hours_per_week). "
        "Every row is checked first; if any is bad nothing is written, unless --skip-bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file, UTF-8 with or without BOM")
        parser.add_argument("--skip-bad", action="store_true", help="write the good rows even when some are bad")

    def handle(self, *args, **options):
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as e:
            raise CommandError(f"cannot read {options['file']}: {e.strerror}", returncode=EXIT_BAD_ROWS) from e
        try:
            checked = read_agents(data)
        except UnreadableFile as e:
            raise CommandError(f"line 1: {e}", returncode=EXIT_BAD_ROWS) from e

        for number, why in checked.errors:
            self.stdout.write(f"line {number}: {why}")
        if checked.errors and not options["skip_bad"]:
            raise CommandError(
                f"{len(checked.errors)} bad rows, nothing written (--skip-bad writes the good ones)",
                returncode=EXIT_BAD_ROWS,
            )
        created, updated = write_agents(checked.rows)
        self.stdout.write(f"created {created}, updated {updated}, skipped {len(checked.errors)}")
