import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hotline.models import Line
from roster.services import RosterError, roster_build, roster_publish

EXIT_BAD_ARGUMENTS = 2
EXIT_GAPS = 3


def parse_day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"{value!r} is not a date YYYY-MM-DD", returncode=EXIT_BAD_ARGUMENTS) from e


class Command(BaseCommand):
    help = "Build (or rebuild) the draft roster of one line for a period with the engine, and optionally publish it."

    def add_arguments(self, parser):
        parser.add_argument("--line", required=True, help="the menu key, e.g. 2")
        parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--hotline", help="the hotline's number, needed when two hotlines use this key")
        parser.add_argument("--publish", action="store_true", help="publish the roster when every place is filled")
        parser.add_argument("--allow-gaps", action="store_true", help="with --publish: publish even with gaps")
        parser.add_argument("--time-limit", type=float, default=10, help="seconds for the engine (default 10)")

    def handle(self, *args, **options):
        start, end = parse_day(options["start"]), parse_day(options["end"])
        if end < start:
            raise CommandError("--end is before --start", returncode=EXIT_BAD_ARGUMENTS)
        if options["allow_gaps"] and not options["publish"]:
            raise CommandError("--allow-gaps goes with --publish", returncode=EXIT_BAD_ARGUMENTS)
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit must be positive", returncode=EXIT_BAD_ARGUMENTS)
        line = self.find_line(options["line"], options["hotline"])

        try:
            result = roster_build(lines=[line], start=start, end=end, time_limit_s=options["time_limit"])
        except RosterError as e:
            raise CommandError(str(e), returncode=EXIT_BAD_ARGUMENTS) from e

        self.stdout.write(f"filled {result.filled}/{result.required}")
        for place in result.unfilled:
            shift_start = timezone.localtime(place.shift.start)
            shift_end = timezone.localtime(place.shift.end)
            self.stdout.write(
                f"  {shift_start:%Y-%m-%d %H:%M}–{shift_end:%H:%M} line {line.digit}: "
                f"{place.missing} missing – {place.reason}"
            )
        for shift, _agent in result.unkept_fixed:
            self.stderr.write(f"note: a hand-made assignment on {shift} now breaks a rule and was not kept fixed")

        if options["publish"]:
            if result.complete or options["allow_gaps"]:
                roster_publish(roster=result.roster, allow_gaps=options["allow_gaps"])
                self.stdout.write(f"published roster {result.roster.pk}")
            else:
                self.stdout.write("not published: some places are unfilled (use --allow-gaps to publish anyway)")
        else:
            self.stdout.write(f"draft roster {result.roster.pk}")
        if not result.complete:
            raise SystemExit(EXIT_GAPS)

    def find_line(self, digit, hotline):
        lines = Line.objects.filter(digit=digit).select_related("hotline")
        if hotline:
            lines = lines.filter(hotline__number=hotline)
        lines = list(lines)
        if not lines:
            where = f" on hotline {hotline}" if hotline else ""
            raise CommandError(f"no line {digit}{where}", returncode=EXIT_BAD_ARGUMENTS)
        if len(lines) > 1:
            numbers = ", ".join(line.hotline.number for line in lines)
            raise CommandError(
                f"line {digit} exists on several hotlines ({numbers}): add --hotline", returncode=EXIT_BAD_ARGUMENTS
            )
        return lines[0]
