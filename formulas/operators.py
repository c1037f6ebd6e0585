"""Excel's operators as plain functions of values.

Each `apply` takes the already evaluated operands and returns a value; it never raises.
Operands are converted left to right and the first that fails decides the result: an error
operand propagates itself, a text that is not a number gives `#VALUE!`. The compiler inlines
the common case (two numbers) with the matching `fast` function from `operator` and calls
`apply` for everything else, so both must agree on numbers.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from formulas.values import (
    DIV0,
    NUM,
    ErrorSignal,
    as_number,
    as_text,
    checked,
    checked_text,
    compare,
)

_EXACT_INTEGER_LIMIT = 2**53


def _numeric(compute: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        try:
            return checked(compute(as_number(left), as_number(right)))
        except ErrorSignal as signal:
            return signal.value

    return apply


def _divide(dividend: int | float, divisor: int | float) -> float:
    if divisor == 0:
        raise ErrorSignal(DIV0)
    return dividend / divisor


def _power(base: int | float, exponent: int | float) -> int | float:
    """Excel's `^`: 0^0 is #NUM!, 0 to a negative power #DIV/0!, a negative base to a
    fractional power #NUM!. Whole numbers to whole powers stay exact integers while they
    fit in a float's 53 bits."""
    if base == 0 and exponent <= 0:
        raise ErrorSignal(NUM if exponent == 0 else DIV0)
    if base < 0 and not float(exponent).is_integer():
        raise ErrorSignal(NUM)
    try:
        result = math.pow(base, exponent)
    except (OverflowError, ValueError):
        raise ErrorSignal(NUM) from None
    if (
        type(base) is int
        and type(exponent) is int
        and exponent >= 0
        and abs(result) < _EXACT_INTEGER_LIMIT
    ):
        exact: int = base**exponent
        return exact
    return result


def _comparison(test: Callable[[int], bool]) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        try:
            return test(compare(left, right))
        except ErrorSignal as signal:
            return signal.value

    return apply


def concatenate(left: Any, right: Any) -> Any:
    """`&`: both operands as text, joined."""
    try:
        return checked_text(as_text(left) + as_text(right))
    except ErrorSignal as signal:
        return signal.value


def negate(operand: Any) -> Any:
    """The sign `-`."""
    try:
        return -as_number(operand)
    except ErrorSignal as signal:
        return signal.value


class BinaryOperator(NamedTuple):
    """One infix operator: its full semantics and, when there is one, the plain Python
    operation that gives the same result when both operands are `int` or `float` and it
    neither raises `ArithmeticError` nor leaves the range of numbers."""

    symbol: str
    apply: Callable[[Any, Any], Any]
    fast: Callable[[Any, Any], Any] | None


def _operators() -> dict[str, BinaryOperator]:
    table = [
        BinaryOperator("+", _numeric(operator.add), operator.add),
        BinaryOperator("-", _numeric(operator.sub), operator.sub),
        BinaryOperator("*", _numeric(operator.mul), operator.mul),
        BinaryOperator("/", _numeric(_divide), operator.truediv),
        BinaryOperator("^", _numeric(_power), None),
        BinaryOperator("&", concatenate, None),
        BinaryOperator("=", _comparison(lambda order: order == 0), operator.eq),
        BinaryOperator("<>", _comparison(lambda order: order != 0), operator.ne),
        BinaryOperator("<", _comparison(lambda order: order < 0), operator.lt),
        BinaryOperator("<=", _comparison(lambda order: order <= 0), operator.le),
        BinaryOperator(">", _comparison(lambda order: order > 0), operator.gt),
        BinaryOperator(">=", _comparison(lambda order: order >= 0), operator.ge),
    ]
    by_symbol = {entry.symbol: entry for entry in table}
    by_symbol["!="] = by_symbol["<>"]
    return by_symbol


#: Every infix operator by its symbol (`!=` is another spelling of `<>`).
BINARY_OPERATORS: dict[str, BinaryOperator] = _operators()
