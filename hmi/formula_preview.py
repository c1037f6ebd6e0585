"""Evaluating a formula against the values in the database, for the admin's preview and
for the last result stored when a formula is saved (the poller keeps it up to date after).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from formulas import CompiledFormula, FormulaError, Ref, compile_formula
from hmi.element_attributes import result_fields
from hmi.models import Formula, GraphicElement
from poll.models import Point

_RESULT_FIELDS = ["last_value", "last_error", "evaluated_at"]


def current_values(profile_id: int, refs: Iterable[Ref]) -> dict[Ref, Any]:
    """The values ``refs`` have now in the database (points and element attributes)."""
    refs = list(refs)
    point_tags = {r.tag for r in refs if r.kind != "eg"}
    element_tags = {r.tag for r in refs if r.kind == "eg"}
    sources: dict[tuple[str, str], Any] = {}
    if point_tags:
        points = Point.objects.filter(profile_id=profile_id, tag__in=point_tags)
        sources.update(((p.kind, p.tag), p) for p in points)
    if element_tags:
        elements = GraphicElement.objects.filter(profile_id=profile_id, tag__in=element_tags)
        sources.update((("eg", e.tag), e) for e in elements)
    values: dict[Ref, Any] = {}
    for ref in refs:
        source = sources.get((ref.kind, ref.tag))
        if source is not None:
            values[ref] = getattr(source, ref.attr)
    return values


def evaluate_now(compiled: CompiledFormula, profile_id: int) -> Any:
    """The formula's value with the profile's current data (an error value on failure)."""
    return compiled.evaluate(current_values(profile_id, compiled.inputs))


def refresh_results(formulas: Sequence[Formula]) -> None:
    """Evaluate saved formulas of one profile now and store their last value or last error
    (rendered as the poller renders them), reading the values they need at once."""
    if not formulas:
        return
    compiled: list[CompiledFormula | FormulaError] = []
    for formula in formulas:
        try:
            if formula.compiled is None or formula.compiled.source != formula.source:
                formula.compiled = compile_formula(formula.source)
        except FormulaError as exc:
            compiled.append(exc)
        else:
            compiled.append(formula.compiled)
    refs = {ref for c in compiled if isinstance(c, CompiledFormula) for ref in c.inputs}
    values = current_values(formulas[0].element.profile_id, refs)
    now = timezone.now()
    for formula, c in zip(formulas, compiled, strict=True):
        result = c.evaluate(values) if isinstance(c, CompiledFormula) else c
        formula.last_value, formula.last_error = result_fields(result)
        formula.evaluated_at = now
    Formula.objects.bulk_update(formulas, _RESULT_FIELDS, batch_size=500)


def refresh_result(formula: Formula) -> None:
    """``refresh_results`` for one formula."""
    refresh_results([formula])
