"""Turning formula results into what an element stores: text, colour codes, mark, error.

Fill and stroke formulas return palette codes; when they fail (an error value, a text, a
code out of range) the element gets the palette's ``INVALID`` code, so a wrong formula is
seen on the screen at once, and ``error`` says which attribute failed and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from formulas.errors import FormulaError
from formulas.values import FormulaErrorValue, as_text
from hmi.palette import INVALID

ATTRIBUTES = ("text", "fill", "stroke", "mark")
TEXT_MAX_LENGTH = 200
ERROR_MAX_LENGTH = 200
LAST_VALUE_MAX_LENGTH, LAST_ERROR_MAX_LENGTH = 200, 300
_SMALLINT = range(-32768, 32768)


@dataclass(frozen=True)
class ElementLook:
    """One element's stored attributes, as the screens read them."""

    text: str = ""
    fill: int | None = None
    stroke: int | None = None
    mark: int | None = None
    error: str = ""
    current: bool = False

    FIELDS = ("text", "fill", "stroke", "mark", "error", "current")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ElementLook:
        return cls(**{name: row[name] for name in cls.FIELDS})


def element_look(results: dict[str, Any], current: bool) -> ElementLook:
    """The look of an element whose formulas gave ``results`` (attribute -> value, or the
    ``FormulaError`` that kept the formula from running); attributes without a formula
    are left empty."""
    look: dict[str, Any] = {}
    problems = []
    for attribute in ATTRIBUTES:
        if attribute not in results:
            continue
        stored, problem = _stored(attribute, results[attribute])
        look[attribute] = stored
        if problem:
            problems.append(f"{attribute}: {problem}")
    return replace(ElementLook(), **look, error=clipped_error("; ".join(problems)), current=current)


def clipped_error(text: str) -> str:
    """An element's error as stored: cut to its column, with an ellipsis when cut."""
    return text if len(text) <= ERROR_MAX_LENGTH else text[: ERROR_MAX_LENGTH - 1] + "…"


def describe(value: Any) -> str:
    """A formula result as the console shows it (``TRUE``, ``1`` for ``2/2``), and an error
    with its meaning: the one rendering of the admin's preview, a save and the poller."""
    if isinstance(value, FormulaErrorValue):
        return f"{value.code} ({value.meaning})" if value.meaning else value.code
    if isinstance(value, FormulaError):
        return value.message
    return as_text(value)


def result_fields(value: Any) -> tuple[str, str]:
    """A formula's ``last_value`` and ``last_error`` for a result (or the ``FormulaError``
    that kept it from running)."""
    text = describe(value)
    if isinstance(value, FormulaError | FormulaErrorValue):
        return "", text[:LAST_ERROR_MAX_LENGTH]
    return text[:LAST_VALUE_MAX_LENGTH], ""


def _stored(attribute: str, value: Any) -> tuple[Any, str]:
    """The stored value of one attribute and, when the result is unusable, why."""
    if isinstance(value, FormulaErrorValue | FormulaError):
        failed: Any = value.code if isinstance(value, FormulaErrorValue) else "#ERROR!"
        if attribute in ("fill", "stroke"):
            failed = INVALID
        elif attribute == "mark":
            failed = None
        return failed, describe(value)
    if attribute == "text":
        return as_text(value)[:TEXT_MAX_LENGTH], ""
    return _code(attribute, value)


def _code(attribute: str, value: Any) -> tuple[int | None, str]:
    if value is None:
        return None, ""
    if type(value) in (int, float, bool) and math.isfinite(value):
        code = round(value)
        if code in _SMALLINT:
            return code, ""
    problem = f"{as_text(value)[:40]!r} is not a code"
    return (INVALID if attribute in ("fill", "stroke") else None), problem
