from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hmi.formula_loader import FormulaFileError, load_formulas, read_formula_file
from poll.models import Profile


class Command(BaseCommand):
    help = (
        'Load screen formulas from a JSON file ({"formulas": {TAG: {attribute: formula}}}), '
        "checked as the admin checks them. Import the screens first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", metavar="FILE")
        parser.add_argument("--profile", help="Profile name (default: the active profile).")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["profile"]
        try:
            profile = Profile.objects.get(name=name) if name else Profile.get_active()
        except Profile.DoesNotExist as exc:
            wanted = f"profile {name!r}" if name else "an active profile"
            raise CommandError(f"There is no {wanted}; load one with load_profile.") from exc
        try:
            formulas = read_formula_file(Path(options["path"]))
        except FormulaFileError as exc:
            raise CommandError(str(exc)) from exc
        report = load_formulas(profile, formulas)
        self.stdout.write("\n".join(report.lines()))
        if report.problems:
            raise CommandError(f"{len(report.problems)} formula(s) refused.")
