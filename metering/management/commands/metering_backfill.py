from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from metering.backfill import backfill
from metering.models import Reading


class Command(BaseCommand):
    help = "Write believable quarter-hour readings of the assigned meters over past days (demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when readings exist already"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Reading.objects.exists():
            self.stdout.write("readings exist already: no backfill")
            return
        written = backfill(options["days"])
        self.stdout.write(f"{written} readings written")
