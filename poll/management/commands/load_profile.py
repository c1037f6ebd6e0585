import warnings
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from poll.profiles import ProfileFileError, ProfileFileWarning, load_profile, read_profile_file


class Command(BaseCommand):
    help = "Load a profile file (docs/profile-format.md) into the database, updating it in place."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Profile file (JSON).")
        parser.add_argument("--activate", action="store_true", help="Make it the active profile.")

    def handle(self, *args: Any, **options: Any) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ProfileFileWarning)
            try:
                profile = load_profile(
                    read_profile_file(options["file"]), activate=options["activate"]
                )
            except ProfileFileError as exc:
                raise CommandError(str(exc)) from exc
            finally:
                for warning in caught:
                    self.stderr.write(f"warning: {warning.message}")
        points = profile.points.count()
        state = "active" if profile.active else "inactive"
        self.stdout.write(
            f"Loaded profile {profile.name} ({state}): "
            f"{profile.comasters.count()} COMasters, {points} points."
        )
