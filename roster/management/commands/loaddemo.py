from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from roster.demo import demo_load


class Command(BaseCommand):
    help = "Load the Cà Mau 1022 demo, or extend its published roster to today + 14 days."

    def handle(self, *args, **options):
        for line in demo_load(today=timezone.localdate(), password=settings.DEMO_PASSWORD):
            self.stdout.write(line)
