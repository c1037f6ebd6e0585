"""Small helpers shared by the formula tests."""

from __future__ import annotations

from typing import Any

from formulas import Ref, compile_formula


def lookup_from(context: dict[str, dict[str, dict[str, Any]]]) -> dict[Ref, Any]:
    """A lookup from the CLI's context shape: {"di": {"TAG": {"value": 1}}}."""
    return {
        Ref(kind, tag, attr): value
        for kind, points in context.items()
        for tag, attributes in points.items()
        for attr, value in attributes.items()
    }


def evaluate(source: str, context: dict[str, dict[str, dict[str, Any]]] | None = None) -> Any:
    """Compile `source` and evaluate it with `context` (CLI shape)."""
    return compile_formula(source).evaluate(lookup_from(context or {}))
