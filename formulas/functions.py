"""The functions formulas can call, as a registry: one `Function` entry per function.

An eager function's implementation receives its arguments already evaluated and never an
error value (the first error argument is the call's result, as in Excel). It converts them
with `formulas.values` (whose failures become the call's result) and returns a value. It may
name a quicker equivalent, `on_numbers`, used when every argument is an `int` or `float`
(within +-1E+308, which inputs are kept to): it must give the same result for those, or
raise `ArithmeticError` or `ValueError` to hand the case back.

A lazy function evaluates only some of its arguments: `SI`, the only one, is compiled by
`formulas.codegen` into an `if` that runs the chosen branch alone; its entry here gives its
names and arity.

Names are case-insensitive, except the lowercase `int` and `float`, the Python-style
conversions of the first formulas, which differ from Excel's `INT` and `FLOAT`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from formulas.values import (
    EXACT_WHOLE_TEXT,
    NUM,
    VALUE,
    ErrorSignal,
    as_bool,
    as_number,
    as_text,
    checked,
    format_number,
)

#: Excel's limit on the number of arguments of one call.
MAX_ARGUMENTS = 255


@dataclass(frozen=True)
class Function:
    """One entry of the registry: the names it answers to (Spanish first), how many
    arguments it takes, what it does, and whether it evaluates its arguments itself."""

    names: tuple[str, ...]
    implementation: Callable[..., Any]
    min_args: int
    max_args: int
    lazy: bool = False
    exact_case: bool = False
    on_numbers: Callable[..., Any] | None = None
    numbers_expression: Callable[[Sequence[str], str], str] | None = None
    """`on_numbers` as a Python expression over the arguments' names (which the code
    generator makes) and the name `on_numbers` is bound to, inlined instead of a call; it
    must not raise on numbers."""

    @property
    def name(self) -> str:
        return self.names[0]

    def arity_text(self) -> str:
        if self.min_args == self.max_args:
            return f"{self.min_args} argument" + ("" if self.min_args == 1 else "s")
        if self.max_args == MAX_ARGUMENTS:
            return f"at least {self.min_args} argument" + ("" if self.min_args == 1 else "s")
        return f"{self.min_args} to {self.max_args} arguments"


def _compiled_inline(*arguments: Any) -> Any:
    """SI never runs as a call: the compiler turns it into a choice of branches."""
    raise NotImplementedError("SI is compiled inline")


def _truths(values: tuple[Any, ...]) -> list[bool]:
    """AND and OR skip empty inputs; with nothing left they are #VALUE!, as in Excel."""
    truths = [as_bool(value) for value in values if value is not None]
    if not truths:
        raise ErrorSignal(VALUE)
    return truths


def _and(*values: Any) -> bool:
    return all(_truths(values))


def _or(*values: Any) -> bool:
    return any(_truths(values))


def _all_numbers(*values: int | float) -> bool:
    return all(values)


def _any_number(*values: int | float) -> bool:
    return any(values)


def _not(value: Any) -> bool:
    return not as_bool(value)


def _sqrt(value: Any) -> float:
    number = as_number(value)
    if number < 0:
        raise ErrorSignal(NUM)
    return math.sqrt(number)


def _sum(*values: Any) -> int | float:
    return checked(sum(as_number(value) for value in values))


def _abs(value: Any) -> int | float:
    return abs(as_number(value))


def _min(*values: Any) -> int | float:
    return min(as_number(value) for value in values)


def _max(*values: Any) -> int | float:
    return max(as_number(value) for value in values)


# Wide enough for any float at any number of decimals we accept.
_DECIMALS = Context(prec=1000)
_MAX_DIGITS = 400


def _round_half_away(number: int | float, digits: int) -> Decimal:
    """`number` rounded to `digits` decimals (negative: tens, hundreds...), halves away
    from zero. It rounds the shortest decimal that reads back as the float, as Excel rounds
    what it shows: 2.675 rounds to 2.68 although the float is slightly below 2.675."""
    digits = max(-_MAX_DIGITS, min(_MAX_DIGITS, digits))
    exact = Decimal(repr(number))
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP, context=_DECIMALS)


def _digits(value: Any) -> int:
    return math.trunc(as_number(value))


def _round(value: Any, digits: Any) -> int | float:
    places = _digits(digits)
    rounded = _round_half_away(as_number(value), places)
    return checked(int(rounded) if places <= 0 else float(rounded))


def _floor(value: Any) -> int:
    return math.floor(as_number(value))


def _truncate(value: Any) -> int:
    return math.trunc(as_number(value))


def _to_float(value: Any) -> float:
    return float(as_number(value))


_MAX_FIXED_DECIMALS = 15


def _fixed(value: Any, decimals: Any = 3) -> str:
    """FLOAT(x, n): x as text with exactly n decimals (0 to 15), rounded like ROUND."""
    places = _digits(decimals)
    if not 0 <= places <= _MAX_FIXED_DECIMALS:
        raise ErrorSignal(VALUE)
    rounded = _round_half_away(as_number(value), places)
    return format(abs(rounded) if rounded == 0 else rounded, "f")


FUNCTIONS: tuple[Function, ...] = (
    Function(("SI", "IF"), _compiled_inline, 2, 3, lazy=True),
    Function(
        ("Y", "AND"),
        _and,
        1,
        MAX_ARGUMENTS,
        on_numbers=_all_numbers,
        numbers_expression=lambda names, _: " and ".join(f"{name} != 0" for name in names),
    ),
    Function(
        ("O", "OR"),
        _or,
        1,
        MAX_ARGUMENTS,
        on_numbers=_any_number,
        numbers_expression=lambda names, _: " or ".join(f"{name} != 0" for name in names),
    ),
    Function(
        ("NO", "NOT"),
        _not,
        1,
        1,
        on_numbers=operator.not_,
        numbers_expression=lambda names, _: f"{names[0]} == 0",
    ),
    Function(("RAIZ", "SQRT"), _sqrt, 1, 1, on_numbers=math.sqrt),
    Function(("SUMA", "SUM"), _sum, 1, MAX_ARGUMENTS),
    Function(("ABS",), _abs, 1, 1, on_numbers=abs),
    Function(("MIN",), _min, 1, MAX_ARGUMENTS),
    Function(("MAX",), _max, 1, MAX_ARGUMENTS),
    Function(("REDONDEAR", "ROUND"), _round, 2, 2),
    Function(("ENTERO", "INT"), _floor, 1, 1, on_numbers=math.floor),
    Function(("FLOAT",), _fixed, 1, 2),
    Function(
        ("STR",),
        as_text,
        1,
        1,
        on_numbers=format_number,
        numbers_expression=lambda names, format_: (
            f"str({names[0]}) if type({names[0]}) is int"
            f" and {-EXACT_WHOLE_TEXT} < {names[0]} < {EXACT_WHOLE_TEXT} else {format_}({names[0]})"
        ),
    ),
    Function(("int",), _truncate, 1, 1, exact_case=True, on_numbers=math.trunc),
    Function(("float",), _to_float, 1, 1, exact_case=True, on_numbers=float),
)

_BY_EXACT_NAME = {name: entry for entry in FUNCTIONS if entry.exact_case for name in entry.names}
_BY_NAME = {
    name.upper(): entry for entry in FUNCTIONS if not entry.exact_case for name in entry.names
}


def find_function(name: str) -> Function | None:
    """The function called `name` in a formula, or None."""
    return _BY_EXACT_NAME.get(name) or _BY_NAME.get(name.upper())
