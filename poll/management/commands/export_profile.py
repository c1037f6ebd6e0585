import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from poll.models import Profile
from poll.profiles import export_profile


class Command(BaseCommand):
    help = "Write a profile as a profile file (JSON) to standard output."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", nargs="?", help="Profile name (default: the active one).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            profile = (
                Profile.objects.get(name=options["name"])
                if options["name"]
                else Profile.get_active()
            )
        except Profile.DoesNotExist as exc:
            raise CommandError(
                f"no profile {options['name'] or '(active)'}; see the admin's profile list"
            ) from exc
        self.stdout.write(json.dumps(export_profile(profile), indent=2))
