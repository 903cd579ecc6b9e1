from django.core.management.base import BaseCommand, CommandError

from hotline.calls import FORMATS, UnreadableFormat, import_calls
from hotline.models import Hotline

EXIT_UNREADABLE = 2
EXIT_REJECTED = 3


class Command(BaseCommand):
    help = (
        "Import call records from an Asterisk queue_log, an Asterisk CDR Master.csv or JSON. "
        "Prints 'imported N, duplicate N, rejected N', then 'line L: why' for each rejected row."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--hotline", help="the hotline's number, when queues or keys are shared between hotlines")

    def handle(self, *args, **options):
        hotline = None
        if options["hotline"]:
            hotline = Hotline.objects.filter(number=options["hotline"]).first()
            if hotline is None:
                raise CommandError(f"there is no hotline {options['hotline']}", returncode=EXIT_UNREADABLE)
        try:
            with open(options["file"], encoding="utf-8-sig", errors="replace", newline="") as lines:
                result = import_calls(lines, options["format"], hotline=hotline)
        except OSError as e:
            raise CommandError(f"cannot read {options['file']}: {e.strerror}", returncode=EXIT_UNREADABLE) from e
        except UnreadableFormat as e:
            raise CommandError(f"{options['file']} is not {options['format']}: {e}", returncode=EXIT_UNREADABLE) from e

        self.stdout.write(f"imported {result.imported}, duplicate {result.duplicate}, rejected {len(result.rejected)}")
        for rejected in result.rejected:
            self.stdout.write(f"line {rejected.row}: {rejected.why}")
        if result.rejected:
            raise CommandError(f"{len(result.rejected)} rows rejected", returncode=EXIT_REJECTED)
