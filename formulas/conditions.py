"""SI / IF, built as a closure of its own: only the chosen branch is evaluated, and when
both branches are constants the choice returns one without calling anything."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from formulas.closures import Const, Evaluator, Load, Lookup, Operand, evaluator
from formulas.names import Ref
from formulas.values import REF, ErrorSignal, as_bool


def build_condition(arguments: Sequence[Operand]) -> Evaluator:
    """`SI(condition, when_true[, when_false])`; without `when_false`, FALSE."""
    condition, when_true = arguments[0], arguments[1]
    when_false = arguments[2] if len(arguments) > 2 else Const(False)
    if isinstance(when_true, Const) and isinstance(when_false, Const):
        if isinstance(condition, Load):
            return _pick_by_input(condition.ref, when_true.value, when_false.value)
        return _pick(evaluator(condition), when_true.value, when_false.value)
    return _choose(evaluator(condition), evaluator(when_true), evaluator(when_false))


def _choose(condition: Evaluator, when_true: Evaluator, when_false: Evaluator) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        chosen = condition(lookup)
        if type(chosen) is not bool:
            try:
                chosen = as_bool(chosen)
            except ErrorSignal as signal:
                return signal.value
        return when_true(lookup) if chosen else when_false(lookup)

    return run


def _pick(condition: Evaluator, when_true: Any, when_false: Any) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        chosen = condition(lookup)
        if type(chosen) is not bool:
            try:
                chosen = as_bool(chosen)
            except ErrorSignal as signal:
                return signal.value
        return when_true if chosen else when_false

    return run


def _pick_by_input(condition: Ref, when_true: Any, when_false: Any) -> Evaluator:
    def run(lookup: Lookup) -> Any:
        try:
            chosen = lookup[condition]
        except KeyError:
            return REF
        if type(chosen) is not bool:
            try:
                chosen = as_bool(chosen)
            except ErrorSignal as signal:
                return signal.value
        return when_true if chosen else when_false

    return run
