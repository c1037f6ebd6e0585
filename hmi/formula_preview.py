"""Evaluating a formula against the values in the database, for the admin's preview and
for the last result stored when a formula is saved (the poller keeps it up to date after).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from formulas import CompiledFormula, FormulaError, Ref, compile_formula
from hmi.element_attributes import result_fields
from hmi.models import Formula, GraphicElement
from poll.models import Point


def current_values(profile_id: int, refs: Iterable[Ref]) -> dict[Ref, Any]:
    """The values ``refs`` have now in the database (points and element attributes)."""
    refs = list(refs)
    point_tags = {r.tag for r in refs if r.kind != "eg"}
    element_tags = {r.tag for r in refs if r.kind == "eg"}
    points = {
        (p.kind, p.tag): p for p in Point.objects.filter(profile_id=profile_id, tag__in=point_tags)
    }
    elements = {
        e.tag: e for e in GraphicElement.objects.filter(profile_id=profile_id, tag__in=element_tags)
    }
    values: dict[Ref, Any] = {}
    for ref in refs:
        source = elements.get(ref.tag) if ref.kind == "eg" else points.get((ref.kind, ref.tag))
        if source is not None:
            values[ref] = getattr(source, ref.attr)
    return values


def evaluate_now(compiled: CompiledFormula, profile_id: int) -> Any:
    """The formula's value with the profile's current data (an error value on failure)."""
    return compiled.evaluate(current_values(profile_id, compiled.inputs))


def refresh_result(formula: Formula) -> None:
    """Evaluate a saved formula now and store its last value or last error (rendered as
    the poller renders them)."""
    compiled = formula.compiled
    try:
        if compiled is None or compiled.source != formula.source:
            compiled = compile_formula(formula.source)
    except FormulaError as exc:
        result: Any = exc
    else:
        result = evaluate_now(compiled, formula.element.profile_id)
    formula.last_value, formula.last_error = result_fields(result)
    formula.evaluated_at = timezone.now()
    formula.save(update_fields=["last_value", "last_error", "evaluated_at"])
