"""python manage.py switchboard: the connector between the rosters and the switchboards (docs/switchboard.md)."""

import asyncio
import contextlib
import signal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hotline.models import Hotline
from switchboard import ami, connector, events
from switchboard.ami import LoginRefused
from switchboard.models import Switchboard

BAD_ARGUMENTS = 2
LOGIN_REFUSED = 1


class Command(BaseCommand):
    help = "Keep each hotline's switchboard queues in step with the roster and read its events live."

    def add_arguments(self, parser):
        parser.add_argument("--hotline", help="Only this hotline (its number, e.g. 0290.1022).")
        parser.add_argument("--ami", help="HOST:PORT of the AMI, instead of the stored setting.")
        parser.add_argument("--username", help="AMI username, instead of the stored setting.")
        parser.add_argument("--secret", help="AMI secret, instead of the one named by the stored setting.")
        parser.add_argument("--replay", type=Path, help="Feed a captured AMI event log to the hotline, then stop.")

    def handle(self, *args, hotline=None, ami=None, username=None, secret=None, replay=None, **options):
        chosen = None
        if hotline:
            chosen = Hotline.objects.dialled(hotline).first()
            if chosen is None:
                raise CommandError(f"no hotline {hotline}", returncode=BAD_ARGUMENTS)
        if (ami or username or secret or replay) and chosen is None:
            raise CommandError("--ami, --username, --secret and --replay need --hotline", returncode=BAD_ARGUMENTS)
        if replay is not None:
            return self.replay(chosen, replay)
        targets = self.targets(chosen, ami, username, secret)
        if not targets:
            self.stdout.write("No hotline has a switchboard configured: nothing to do.")
            return
        try:
            asyncio.run(self.run(targets))
        except LoginRefused as e:
            raise CommandError(f"the switchboard refused the login: {e}", returncode=LOGIN_REFUSED) from e

    def targets(self, chosen, address, username, secret) -> list[connector.Target]:
        if address:
            host, _sep, port = address.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise CommandError("--ami takes HOST:PORT, e.g. 10.0.0.5:5038", returncode=BAD_ARGUMENTS)
            switchboard, _created = Switchboard.objects.get_or_create(hotline=chosen)
            if not (username or switchboard.ami_username):
                raise CommandError("--ami needs --username", returncode=BAD_ARGUMENTS)
            return [
                connector.Target(
                    switchboard.pk,
                    host,
                    int(port),
                    username or switchboard.ami_username,
                    secret if secret is not None else switchboard.ami_secret(),
                )
            ]
        stored = Switchboard.objects.with_ami()
        if chosen is not None:
            stored = stored.filter(hotline=chosen)
        return [
            connector.Target(
                s.pk,
                s.ami_host,
                s.ami_port,
                username or s.ami_username,
                secret if secret is not None else s.ami_secret(),
            )
            for s in stored
        ]

    async def run(self, targets):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Not in the main thread (tests), there are no signals: the caller stops it another way.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop.set)
        await connector.run(targets, stop)

    def replay(self, hotline, path: Path):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            raise CommandError(f"cannot read {path}: {e.strerror}", returncode=BAD_ARGUMENTS) from e
        switchboard, _created = Switchboard.objects.get_or_create(hotline=hotline)
        messages = [m for m in ami.read_log(text) if "Event" in m]
        handled = events.handle_events(switchboard, messages, replay=True)
        self.stdout.write(f"{len(messages)} events read, {handled} handled.")
