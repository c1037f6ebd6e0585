"""The SMVE formula language: Excel-style formulas that decide how diagram elements look.

    >>> from formulas import Ref, compile_formula
    >>> formula = compile_formula("SI(di.E4DI00.value, 1, 2)")
    >>> sorted(formula.inputs)
    [Ref(kind='di', tag='E4DI00', attr='value')]
    >>> formula.evaluate({Ref("di", "E4DI00", "value"): 0})
    2

The language reference is docs/formulas.md. This package knows nothing of Django.
"""

from formulas.compiler import CompiledFormula, KnownTags, compile_formula
from formulas.engine import Engine, validate_formulas
from formulas.errors import (
    CycleError,
    FormulaError,
    FormulaLimitError,
    FormulaNameError,
    FormulaSyntaxError,
    describe_problem,
)
from formulas.graph import cycle_closed_by
from formulas.names import ATTRIBUTES, TARGET_ATTRIBUTES, Ref, Target
from formulas.values import DIV0, NUM, REF, VALUE, FormulaErrorValue

__all__ = [
    "ATTRIBUTES",
    "DIV0",
    "NUM",
    "REF",
    "TARGET_ATTRIBUTES",
    "VALUE",
    "CompiledFormula",
    "CycleError",
    "Engine",
    "FormulaError",
    "FormulaErrorValue",
    "FormulaLimitError",
    "FormulaNameError",
    "FormulaSyntaxError",
    "KnownTags",
    "Ref",
    "Target",
    "compile_formula",
    "describe_problem",
    "cycle_closed_by",
    "validate_formulas",
]
