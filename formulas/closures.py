"""Python closures that evaluate each shape of expression.

A compiled formula is a tree of closures, each taking the lookup (a mapping from `Ref` to
the current value) and returning a value. Shapes that occur in most real formulas get
closures of their own that avoid a call per operand: an input or a constant operand is
read in place, the all-numbers case of an operator runs inline, and `SI` with constant
branches picks one without calling anything. Everything else falls back to the full
semantics in `formulas.operators` and `formulas.functions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from formulas.functions import CONDITION, Function
from formulas.names import Ref
from formulas.operators import BinaryOperator, negate
from formulas.values import (
    MAX_NUMBER,
    MAX_TEXT,
    REAL,
    REF,
    ErrorSignal,
    FormulaErrorValue,
    as_bool,
)

Lookup = Mapping[Ref, Any]
Evaluator = Callable[[Lookup], Any]


class Const:
    """An operand known when compiling."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Load:
    """An operand read from the lookup."""

    __slots__ = ("ref",)

    def __init__(self, ref: Ref) -> None:
        self.ref = ref


Operand = Const | Load | Evaluator


def evaluator(operand: Operand) -> Evaluator:
    """A closure for any operand."""
    if isinstance(operand, Const):
        value = operand.value

        def constant(lookup: Lookup) -> Any:
            return value

        return constant
    if isinstance(operand, Load):
        ref = operand.ref

        def load(lookup: Lookup) -> Any:
            try:
                return lookup[ref]
            except KeyError:
                return REF

        return load
    return operand


def binary(operator: BinaryOperator, left: Operand, right: Operand) -> Evaluator:
    """`left operator right`."""
    if operator.symbol == "&":
        return _concatenation(operator.apply, evaluator(left), evaluator(right))
    if operator.fast is None:
        return _generic(operator.apply, evaluator(left), evaluator(right))
    if isinstance(right, Const) and type(right.value) in REAL:
        if operator.is_comparison:
            return _compare_with_number(operator, left, right.value)
        return _arithmetic_with_number(operator, evaluator(left), right.value)
    if operator.is_comparison:
        return _comparison(operator, evaluator(left), evaluator(right))
    return _arithmetic(operator, evaluator(left), evaluator(right))


def _generic(apply: Callable[[Any, Any], Any], left: Evaluator, right: Evaluator) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        return apply(left(lookup), right(lookup))

    return run


def _concatenation(
    apply: Callable[[Any, Any], Any], left: Evaluator, right: Evaluator
) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        x = left(lookup)
        y = right(lookup)
        if type(x) is str and type(y) is str and len(x) + len(y) <= MAX_TEXT:
            return x + y
        return apply(x, y)

    return run


def _arithmetic(operator: BinaryOperator, left: Evaluator, right: Evaluator) -> Evaluator:
    fast, apply = operator.fast, operator.apply

    def run(lookup: Lookup) -> Any:
        x = left(lookup)
        y = right(lookup)
        if type(x) in REAL and type(y) in REAL:
            try:
                result = fast(x, y)
            except ArithmeticError:
                return apply(x, y)
            if -MAX_NUMBER <= result <= MAX_NUMBER:
                return result
        return apply(x, y)

    return run


def _arithmetic_with_number(operator: BinaryOperator, left: Evaluator, y: int | float) -> Evaluator:
    fast, apply = operator.fast, operator.apply
    if operator.symbol == "/" and y == 0:
        return _generic(apply, left, evaluator(Const(y)))

    def run(lookup: Lookup) -> Any:
        x = left(lookup)
        if type(x) in REAL:
            try:
                result = fast(x, y)
            except ArithmeticError:
                return apply(x, y)
            if -MAX_NUMBER <= result <= MAX_NUMBER:
                return result
        return apply(x, y)

    return run


def _comparison(operator: BinaryOperator, left: Evaluator, right: Evaluator) -> Evaluator:
    fast, apply = operator.fast, operator.apply

    def run(lookup: Lookup) -> Any:
        x = left(lookup)
        y = right(lookup)
        if type(x) in REAL and type(y) in REAL:
            return fast(x, y)
        return apply(x, y)

    return run


def _compare_with_number(operator: BinaryOperator, left: Operand, y: int | float) -> Evaluator:
    fast, apply = operator.fast, operator.apply
    if isinstance(left, Load):
        ref = left.ref

        def compare_input(lookup: Lookup) -> Any:
            try:
                x = lookup[ref]
            except KeyError:
                return REF
            if type(x) in REAL:
                return fast(x, y)
            return apply(x, y)

        return compare_input
    left_evaluator = evaluator(left)

    def run(lookup: Lookup) -> Any:
        x = left_evaluator(lookup)
        if type(x) in REAL:
            return fast(x, y)
        return apply(x, y)

    return run


def chain(first: Operand, rest: Sequence[tuple[BinaryOperator, Operand]]) -> Evaluator:
    """`a op b op c ...` left to right, in a loop rather than nested closures, so that a
    long chain costs no recursion depth."""
    if len(rest) == 1:
        operator, operand = rest[0]
        return binary(operator, first, operand)
    start = evaluator(first)
    steps = tuple((operator.apply, evaluator(operand)) for operator, operand in rest)

    def run(lookup: Lookup) -> Any:
        value = start(lookup)
        for apply, operand in steps:
            value = apply(value, operand(lookup))
        return value

    return run


def negation(operand: Operand) -> Evaluator:
    """The sign `-`."""
    inner = evaluator(operand)

    def run(lookup: Lookup) -> Any:
        x = inner(lookup)
        if type(x) in REAL:
            return -x
        return negate(x)

    return run


def call(function: Function, arguments: Sequence[Operand]) -> Evaluator:
    """A call of a registered function."""
    if function is CONDITION and all(isinstance(argument, Const) for argument in arguments[1:]):
        otherwise = arguments[2].value if len(arguments) > 2 else False
        return _choose_constant(evaluator(arguments[0]), arguments[1].value, otherwise)
    evaluators = tuple(evaluator(argument) for argument in arguments)
    if function.lazy:
        lazy_implementation = function.implementation

        def run_lazy(lookup: Lookup) -> Any:
            return lazy_implementation(lookup, *evaluators)

        return run_lazy
    implementation = function.implementation
    if len(evaluators) == 1:
        (only,) = evaluators

        def run_one(lookup: Lookup) -> Any:
            value = only(lookup)
            if type(value) is FormulaErrorValue:
                return value
            try:
                return implementation(value)
            except ErrorSignal as signal:
                return signal.value

        return run_one

    def run(lookup: Lookup) -> Any:
        values = [argument(lookup) for argument in evaluators]
        for value in values:
            if type(value) is FormulaErrorValue:
                return value
        try:
            return implementation(*values)
        except ErrorSignal as signal:
            return signal.value

    return run


def _choose_constant(condition: Evaluator, when_true: Any, when_false: Any) -> Evaluator:
    """SI / IF with constant branches: pick one without calling anything."""

    def run(lookup: Lookup) -> Any:
        chosen = condition(lookup)
        if type(chosen) is not bool:
            try:
                chosen = as_bool(chosen)
            except ErrorSignal as signal:
                return signal.value
        return when_true if chosen else when_false

    return run
