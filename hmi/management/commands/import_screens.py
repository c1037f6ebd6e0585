from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hmi.screen_import import import_files
from poll.models import Profile


class Command(BaseCommand):
    help = (
        "Import Inkscape drawings as screens (docs/screens.md): each FILE.svg becomes the "
        "screen FILE; a directory imports every .svg in it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
        parser.add_argument("--profile", help="Profile name (default: the active profile).")

    def handle(self, *args: Any, **options: Any) -> None:
        profile = self._profile(options["profile"])
        reports, refused = import_files(profile, [Path(p) for p in options["paths"]])
        for report in reports:
            self.stdout.write("\n".join(report.lines()))
        for problem in refused:
            self.stderr.write(f"Refused {problem}")
        if refused:
            raise CommandError(f"{len(refused)} drawing(s) refused, {len(reports)} imported.")
        if not reports:
            raise CommandError("No .svg file found.")

    def _profile(self, name: str | None) -> Profile:
        try:
            return Profile.objects.get(name=name) if name else Profile.get_active()
        except Profile.DoesNotExist as exc:
            wanted = f"profile {name!r}" if name else "an active profile"
            raise CommandError(f"There is no {wanted}; load one with load_profile.") from exc
