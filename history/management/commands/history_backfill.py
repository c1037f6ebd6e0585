"""``manage.py history_backfill``: give the active profile's AIs a believable past (demo)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from history.backfill import backfill
from poll.models import Profile, Sample


class Command(BaseCommand):
    help = "Fill the history of the active profile's AIs for the last days (demo data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--step", type=int, default=1800, help="Seconds between samples.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the profile has history."
        )

    def handle(self, *args: Any, days: int, step: int, if_empty: bool, **options: Any) -> None:
        profile = Profile.objects.filter(active=True).first()
        if profile is None:
            raise CommandError("No active profile: load one with load_profile --activate.")
        if if_empty and Sample.objects.filter(point__profile=profile).exists():
            self.stdout.write("history: already there")
            return
        now = timezone.now()
        end = now - timedelta(seconds=now.timestamp() % step)
        count = backfill(profile.pk, end, days, timedelta(seconds=step))
        self.stdout.write(f"history: {days} days of {count} points")
