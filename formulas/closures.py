"""Python closures that evaluate each shape of expression.

A compiled formula is a tree of closures, each taking the lookup (a mapping from `Ref` to
the current value) and returning a value. Operators get closures by where their operands
come from, so that an input or a constant operand is read in place rather than through a
call of its own, and the all-numbers case runs inline; everything else falls back to the
full semantics in `formulas.operators`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from formulas.names import Ref
from formulas.operators import BinaryOperator, negate
from formulas.values import (
    MAX_NUMBER,
    MAX_TEXT,
    REAL,
    REF,
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
    fast, apply = operator.fast, operator.apply
    if fast is None:
        return _generic(apply, evaluator(left), evaluator(right))
    number = right.value if isinstance(right, Const) and type(right.value) in REAL else None
    if isinstance(left, Load):
        if number is not None:
            return _input_and_number(fast, apply, left.ref, number)
        if isinstance(right, Load):
            return _inputs(fast, apply, left.ref, right.ref)
    elif number is not None:
        return _value_and_number(fast, apply, evaluator(left), number)
    elif isinstance(right, Load):
        return _value_and_input(fast, apply, evaluator(left), right.ref)
    return _values(fast, apply, evaluator(left), evaluator(right))


# The closures below differ only in where their operands come from. Each tries the plain
# Python operation when both operands are numbers and its result is in range (comparisons
# give booleans, always in range), and otherwise hands the operands to the full semantics.

Operation = Callable[[Any, Any], Any]


def _values(fast: Operation, apply: Operation, left: Evaluator, right: Evaluator) -> Evaluator:
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


def _inputs(fast: Operation, apply: Operation, left: Ref, right: Ref) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        try:
            x = lookup[left]
        except KeyError:
            x = REF
        try:
            y = lookup[right]
        except KeyError:
            y = REF
        if type(x) in REAL and type(y) in REAL:
            try:
                result = fast(x, y)
            except ArithmeticError:
                return apply(x, y)
            if -MAX_NUMBER <= result <= MAX_NUMBER:
                return result
        return apply(x, y)

    return run


def _input_and_number(fast: Operation, apply: Operation, left: Ref, y: int | float) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        try:
            x = lookup[left]
        except KeyError:
            x = REF
        if type(x) in REAL:
            try:
                result = fast(x, y)
            except ArithmeticError:
                return apply(x, y)
            if -MAX_NUMBER <= result <= MAX_NUMBER:
                return result
        return apply(x, y)

    return run


def _value_and_number(
    fast: Operation, apply: Operation, left: Evaluator, y: int | float
) -> Evaluator:
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


def _value_and_input(fast: Operation, apply: Operation, left: Evaluator, right: Ref) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        x = left(lookup)
        try:
            y = lookup[right]
        except KeyError:
            y = REF
        if type(x) in REAL and type(y) in REAL:
            try:
                result = fast(x, y)
            except ArithmeticError:
                return apply(x, y)
            if -MAX_NUMBER <= result <= MAX_NUMBER:
                return result
        return apply(x, y)

    return run


def _generic(apply: Operation, left: Evaluator, right: Evaluator) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        return apply(left(lookup), right(lookup))

    return run


def _concatenation(apply: Operation, left: Evaluator, right: Evaluator) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        x = left(lookup)
        y = right(lookup)
        if type(x) is str and type(y) is str and len(x) + len(y) <= MAX_TEXT:
            return x + y
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
