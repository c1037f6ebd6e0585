"""Checking a formula before it is saved: syntax, names, limits and cycles.

Problems are raised as a ``ValidationError`` on the ``source`` field, written for an
engineer: what is wrong, where (character position and the text around it), and for syntax
errors what was expected there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from formulas import (
    CycleError,
    FormulaError,
    FormulaSyntaxError,
    Target,
    compile_formula,
    validate_formulas,
)
from hmi.formula_context import known_tags

if TYPE_CHECKING:
    from hmi.models import Formula


def describe_problem(source: str, error: FormulaError) -> str:
    """One readable message: the problem, its place with a pointer, what was expected."""
    message = error.message
    if error.position is not None:
        start = max(0, error.position - 20)
        snippet = source[start : error.position + 20].replace("\n", " ")
        pointer = " " * (error.position - start) + "^"
        message = f"{message} (at character {error.position + 1}: «{snippet}» / «{pointer}»)"
    if isinstance(error, FormulaSyntaxError) and error.expected:
        message = f"{message}; expected {error.expected}"
    return message


def check_formula(formula: Formula) -> Any:
    """Compile ``formula`` against its profile's names and reject cycles; return the
    compiled formula."""
    profile = formula.element.profile
    try:
        compiled = compile_formula(formula.source, known_tags(profile))
    except FormulaError as exc:
        raise ValidationError({"source": describe_problem(formula.source, exc)}) from exc
    check_no_cycle(formula)
    return compiled


def check_no_cycle(formula: Formula) -> None:
    """Reject a formula that, with the profile's other formulas, reads its own result."""
    from hmi.models import Formula as FormulaModel

    others = (
        FormulaModel.objects.filter(element__profile=formula.element.profile)
        .exclude(pk=formula.pk)
        .select_related("element")
    )
    sources = {Target(other.element.tag, other.attribute): other.source for other in others}
    target = Target(formula.element.tag, formula.attribute)
    sources[target] = formula.source
    problem = validate_formulas(sources).get(target)
    if isinstance(problem, CycleError):
        raise ValidationError({"source": problem.message})
