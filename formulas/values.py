"""The values formulas compute with, and Excel's rules for converting between them.

A value is a number (`int` or `float`), a text (`str`), a boolean, empty (`None`: an input
with no value yet) or an error value. The conversions follow Excel:

- in arithmetic, TRUE and FALSE count as 1 and 0, empty as 0, a text that reads as a number
  (`"2.5"`, `" -1e3 "`) as that number; any other text is `#VALUE!`;
- as text, numbers are written with up to 15 significant digits and no trailing zeros
  (1.0 is "1", 1/3 is "0.333333333333333", 1E+15 and above and below 0.0001 in scientific
  notation), booleans as TRUE / FALSE, empty as "";
- as a condition, a number is true when not zero, empty is false, the texts "TRUE" / "FALSE"
  (or VERDADERO / FALSO, any case) are booleans and any other text is `#VALUE!`;
- comparisons never convert: numbers sort before texts, texts before booleans (so `1 = "1"`
  is FALSE and `1 < "a"` TRUE); texts compare without regard to case; empty compares as 0,
  "" or FALSE, whichever the other side is; numbers compare exactly as stored.

Results beyond +-1E+308 are `#NUM!` and texts longer than 10,000 characters `#VALUE!`.
"""

from __future__ import annotations

import re
from typing import Any

MAX_NUMBER = 1e308
MAX_TEXT = 10_000


class FormulaErrorValue:
    """A spreadsheet error value such as `#DIV/0!`. There is one instance per code, so they
    compare by identity; `str()` gives the code."""

    __slots__ = ("code", "meaning")
    _instances: dict[str, FormulaErrorValue] = {}

    code: str
    meaning: str

    def __new__(cls, code: str, meaning: str = "") -> FormulaErrorValue:
        existing = cls._instances.get(code)
        if existing is not None:
            return existing
        instance = super().__new__(cls)
        instance.code = code
        instance.meaning = meaning
        cls._instances[code] = instance
        return instance

    def __reduce__(self) -> tuple[type[FormulaErrorValue], tuple[str, str]]:
        return FormulaErrorValue, (self.code, self.meaning)

    def __repr__(self) -> str:
        return f"FormulaErrorValue({self.code!r})"

    def __str__(self) -> str:
        return self.code


DIV0 = FormulaErrorValue("#DIV/0!", "division by zero")
VALUE = FormulaErrorValue("#VALUE!", "a value of the wrong type, or a text too long")
REF = FormulaErrorValue("#REF!", "an input with no value")
NUM = FormulaErrorValue("#NUM!", "a number out of range, or a square root of a negative")

#: Types arithmetic takes as they are (booleans count as 1 and 0).
NUMERIC = frozenset({int, float, bool})
#: Types compared as numbers (booleans sort after everything else, so not these).
REAL = frozenset({int, float})


class ErrorSignal(Exception):
    """Raised by the conversions below to hand an error value back to the operator or
    function that asked, which returns it as its result; it never leaves an evaluation."""

    def __init__(self, value: FormulaErrorValue) -> None:
        super().__init__(value.code)
        self.value = value


# Digits only: read as an exact integer (like a literal) when short enough to be in range.
_LONGEST_EXACT_TEXT = 309
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*", re.ASCII)
_TRUE_TEXTS = frozenset({"TRUE", "VERDADERO"})
_FALSE_TEXTS = frozenset({"FALSE", "FALSO"})


def checked(number: int | float) -> int | float:
    """`number` itself when in range, else the `#NUM!` signal (NaN is out of range too)."""
    if -MAX_NUMBER <= number <= MAX_NUMBER:
        return number
    raise ErrorSignal(NUM)


def as_number(value: Any) -> int | float:
    """`value` for arithmetic."""
    kind = type(value)
    if kind is int or kind is float:
        return checked(value)
    if kind is bool:
        return int(value)
    if value is None:
        return 0
    if kind is str:
        if value.isdigit() and value.isascii() and len(value) < _LONGEST_EXACT_TEXT:
            return int(value)  # fewer than 309 digits: below 1E+308
        if _NUMBER_TEXT.fullmatch(value):
            return checked(float(value))
    raise ErrorSignal(value if kind is FormulaErrorValue else VALUE)


def as_text(value: Any) -> str:
    """`value` as text, as `&` and `str()` write it."""
    kind = type(value)
    if kind is str:
        text: str = value
        return text
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int or kind is float:
        return format_number(value)
    if value is None:
        return ""
    raise ErrorSignal(value if kind is FormulaErrorValue else VALUE)


def as_bool(value: Any) -> bool:
    """`value` as a condition."""
    kind = type(value)
    if kind is bool:
        flag: bool = value
        return flag
    if kind is int or kind is float:
        nonzero: bool = value != 0
        return nonzero
    if value is None:
        return False
    if kind is str:
        word = value.strip().upper()
        if word in _TRUE_TEXTS:
            return True
        if word in _FALSE_TEXTS:
            return False
    raise ErrorSignal(value if kind is FormulaErrorValue else VALUE)


def checked_text(text: str) -> str:
    """`text` itself when within the size limit, else the `#VALUE!` signal."""
    if len(text) > MAX_TEXT:
        raise ErrorSignal(VALUE)
    return text


EXACT_WHOLE_TEXT = 10**15
"""Whole numbers below this (in magnitude) are written as Python writes them."""


def format_number(number: int | float) -> str:
    """A number as Excel writes it in text: up to 15 significant digits, no trailing zeros."""
    if type(number) is int and -EXACT_WHOLE_TEXT < number < EXACT_WHOLE_TEXT:
        return str(number)
    text = "%.15g" % number  # noqa: UP031 - printf style is the quickest to format floats
    if "e" in text:
        return text.replace("e", "E")
    return "0" if text == "-0" else text


_SORT_RANK = {int: 0, float: 0, str: 1, bool: 2}
_EMPTY_AS: dict[int | None, Any] = {0: 0, 1: "", 2: False}


def compare(left: Any, right: Any) -> int:
    """-1, 0 or 1 as `left` sorts before, with or after `right` in Excel's order."""
    for value in (left, right):
        if type(value) is FormulaErrorValue:
            raise ErrorSignal(value)
    left_rank = _SORT_RANK.get(type(left))
    right_rank = _SORT_RANK.get(type(right))
    if left is None:
        left_rank = 0 if right is None else right_rank
        left = _EMPTY_AS.get(left_rank)
    if right is None:
        right_rank = left_rank
        right = _EMPTY_AS.get(right_rank)
    if left_rank is None or right_rank is None:
        raise ErrorSignal(VALUE)
    if left_rank != right_rank:
        return -1 if left_rank < right_rank else 1
    if left_rank == 1:
        left, right = left.casefold(), right.casefold()
    order: int = (left > right) - (left < right)
    return order
