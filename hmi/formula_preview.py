"""Evaluating a formula against the current values, for the admin's preview and on save."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from formulas import FormulaError, FormulaErrorValue, compile_formula
from hmi.formula_context import current_values


def evaluate_now(compiled: Any, profile: Any) -> Any:
    """The formula's value with the profile's current data (an error value on failure)."""
    return compiled.evaluate(current_values(profile, compiled.inputs))


def describe_value(value: Any) -> str:
    if isinstance(value, FormulaErrorValue):
        return f"{value.code} ({value.meaning})" if value.meaning else value.code
    return repr(value)


def refresh_result(formula: Any) -> None:
    """Evaluate a saved formula now and store its last value or last error."""
    try:
        value = evaluate_now(compile_formula(formula.source), formula.element.profile)
    except FormulaError as exc:
        formula.last_value, formula.last_error = "", exc.message[:300]
    else:
        if isinstance(value, FormulaErrorValue):
            formula.last_value, formula.last_error = "", describe_value(value)[:300]
        else:
            formula.last_value, formula.last_error = str(value)[:200], ""
    formula.evaluated_at = timezone.now()
    formula.save(update_fields=["last_value", "last_error", "evaluated_at"])
