"""Closures for calls of eager functions, by number of arguments, with the registry's
quicker path for all-number arguments inlined. A lazy function builds its own closure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from formulas.closures import Evaluator, Load, Lookup, Operand, evaluator
from formulas.functions import Function
from formulas.names import Ref
from formulas.values import REAL, REF, ErrorSignal, FormulaErrorValue

_HANDED_BACK = (ArithmeticError, ValueError)


def call(function: Function, arguments: Sequence[Operand]) -> Evaluator:
    """A call of a registered function."""
    if function.lazy:
        lazy: Evaluator = function.implementation(arguments)
        return lazy
    if len(arguments) == 1 and isinstance(arguments[0], Load):
        return _one_input(function.implementation, function.on_numbers, arguments[0].ref)
    evaluators = tuple(evaluator(argument) for argument in arguments)
    if len(evaluators) == 1:
        return _one(function.implementation, function.on_numbers, evaluators[0])
    if len(evaluators) == 2:
        return _two(function.implementation, function.on_numbers, *evaluators)
    return _many(function.implementation, evaluators)


def _one(
    implementation: Callable[[Any], Any],
    on_numbers: Callable[[Any], Any] | None,
    argument: Evaluator,
) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        value = argument(lookup)
        if on_numbers is not None and type(value) in REAL:
            try:
                return on_numbers(value)
            except _HANDED_BACK:
                pass
        if type(value) is FormulaErrorValue:
            return value
        try:
            return implementation(value)
        except ErrorSignal as signal:
            return signal.value

    return run


def _one_input(
    implementation: Callable[[Any], Any],
    on_numbers: Callable[[Any], Any] | None,
    ref: Ref,
) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        try:
            value = lookup[ref]
        except KeyError:
            return REF
        if on_numbers is not None and type(value) in REAL:
            try:
                return on_numbers(value)
            except _HANDED_BACK:
                pass
        if type(value) is FormulaErrorValue:
            return value
        try:
            return implementation(value)
        except ErrorSignal as signal:
            return signal.value

    return run


def _two(
    implementation: Callable[[Any, Any], Any],
    on_numbers: Callable[[Any, Any], Any] | None,
    first: Evaluator,
    second: Evaluator,
) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        x = first(lookup)
        y = second(lookup)
        if on_numbers is not None and type(x) in REAL and type(y) in REAL:
            try:
                return on_numbers(x, y)
            except _HANDED_BACK:
                pass
        if type(x) is FormulaErrorValue:
            return x
        if type(y) is FormulaErrorValue:
            return y
        try:
            return implementation(x, y)
        except ErrorSignal as signal:
            return signal.value

    return run


def _many(implementation: Callable[..., Any], evaluators: tuple[Evaluator, ...]) -> Evaluator:
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
