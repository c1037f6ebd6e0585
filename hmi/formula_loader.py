"""Loading screen formulas from a file, checked exactly as the admin checks them.

The file maps element tags to attributes and formulas::

    {"formulas": {"E4189I01": {"fill": "SI(di.E4189I01.value, 1, 2)"},
                  "E41I00": {"text": "FLOAT(ai.E41I00.value,1)&\\" A\\""}}}

Elements come from the imported drawings, so screens are imported first. A formula with a
problem (syntax, unknown tag, cycle) is reported and not saved; the others are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from hmi.formula_checks import ProfileFormulas, parse_inputs
from hmi.formula_preview import refresh_results
from hmi.models import Formula, GraphicElement, profile_formulas
from poll.models import Profile


class FormulaFileError(ValueError):
    """The file cannot be read as a formula file; the message says why."""


@dataclass
class FormulaLoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"Formulas: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.problems)} refused."
        ]
        lines.extend(f"  {problem}" for problem in self.problems)
        return lines


def read_formula_file(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FormulaFileError(f"{path} cannot be read as JSON: {exc}") from exc
    formulas = data.get("formulas") if isinstance(data, dict) else None
    if not isinstance(formulas, dict) or not all(
        isinstance(attrs, dict) and all(isinstance(s, str) for s in attrs.values())
        for attrs in formulas.values()
    ):
        raise FormulaFileError(
            f'{path}: expected {{"formulas": {{"TAG": {{"fill": "SI(...)", ...}}}}}}'
        )
    return formulas


def load_formulas(profile: Profile, formulas: dict[str, dict[str, str]]) -> FormulaLoadReport:
    """Create or update the formulas of ``profile``'s elements.

    Each formula is checked as the admin checks it (``full_clean``), against the profile's
    names and graph read once and kept up to date as formulas are saved.
    """
    report = FormulaLoadReport()
    elements = {e.tag: e for e in GraphicElement.objects.filter(profile=profile)}
    existing = {
        (f.element.tag, f.attribute): f
        for f in Formula.objects.filter(element__profile=profile).select_related("element")
    }
    checks = profile_formulas(profile.pk, many=True)
    saved: list[Formula] = []
    with transaction.atomic():
        for tag, attributes in formulas.items():
            for attribute, source in attributes.items():
                formula = existing.get((tag, attribute))
                if formula is not None and formula.source == source:
                    report.unchanged += 1
                    continue
                element = elements.get(tag)
                if element is None:
                    report.problems.append(
                        f"{tag}.{attribute}: no element {tag} on any screen "
                        "(import the drawings first)"
                    )
                    continue
                candidate = formula or Formula(element=element, attribute=attribute)
                problem = _save(candidate, source, checks)
                if problem:
                    report.problems.append(f"{tag}.{attribute}: {problem}")
                    continue
                saved.append(candidate)
                if formula is None:
                    report.created += 1
                else:
                    report.updated += 1
        refresh_results(saved)
    return report


def _save(candidate: Formula, source: str, checks: ProfileFormulas) -> str | None:
    """Save one formula; what is wrong with it when it cannot be."""
    candidate.source = source
    candidate.checks = checks
    try:
        candidate.full_clean(exclude=["last_value", "last_error", "evaluated_at"])
    except ValidationError as exc:
        return " ".join(_messages(exc))
    candidate.save()
    checks.graph.set(candidate.target, parse_inputs(candidate.inputs))
    return None


def _messages(exc: ValidationError) -> list[Any]:
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return exc.messages
