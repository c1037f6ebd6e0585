"""Interlocks: a formula of the formula language (never ``eval``) that must be true for a
command to be allowed, evaluated against the points' current values."""

from __future__ import annotations

from typing import Any

from formulas import CompiledFormula, FormulaError, FormulaErrorValue, Ref, compile_formula
from poll.models import Point


def compile_interlock(source: str) -> CompiledFormula:
    try:
        return compile_formula(source)
    except FormulaError as error:
        raise ValueError(f"Interlock formula: {error}") from error


def interlock_holds(source: str, profile_id: int) -> bool:
    """Whether the interlock is true now; an error or a missing point counts as false, so
    that a doubt never lets a command through."""
    if not source:
        return True
    formula = compile_interlock(source)
    tags = {ref.tag for ref in formula.inputs}
    points = {
        (p.kind.lower(), p.tag): p
        for p in Point.objects.filter(profile_id=profile_id, tag__in=tags)
    }
    values: dict[Ref, Any] = {}
    for ref in formula.inputs:
        point = points.get((ref.kind, ref.tag))
        if point is None:
            return False
        values[ref] = getattr(point, ref.attr, None)
    try:
        result = formula.evaluate(values)
    except FormulaError:
        return False
    return not isinstance(result, FormulaErrorValue) and bool(result)
