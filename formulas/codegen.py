"""A formula's expression tree as one Python function, generated and compiled once.

The code is written from the tree the compiler validated (`formulas.tree`), never from the
formula's text: inputs, constants, operators' full semantics and functions are the
defaults of the function's parameters (`k0`, `k1`, ...), so the source holds only generated
names, and formulas of the same shape share one code object. A formula then costs what the
same expression in plain Python costs: one call, its inputs read once each into locals,
and each operator inline when its operands are numbers (the common case), with the full
Excel semantics of `formulas.operators` and `formulas.functions` called otherwise. Error
values are ordinary values: an operator handed one returns it (`apply`), a function's slow
path returns the first (`guarded`), and `SI` returns its condition's.

A `SI` branch deeper than `MAX_INLINE_DEPTH` levels becomes a function of its own, so the
generated code's indentation stays far below Python's limit whatever the nesting.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from types import CodeType, FunctionType
from typing import Any

from formulas.names import Ref
from formulas.operators import BinaryOperator, negate
from formulas.tree import Call, Chain, Condition, Const, Load, Negate, Node
from formulas.values import (
    MAX_NUMBER,
    MAX_TEXT,
    REAL,
    REF,
    VALUE,
    ErrorSignal,
    FormulaErrorValue,
    as_bool,
)

Lookup = Mapping[Ref, Any]
Evaluator = Callable[[Lookup], Any]

MAX_INLINE_DEPTH = 24
"""Indentation levels of inline `SI` branches before a branch gets its own function."""

_SYMBOLS: dict[Callable[[Any, Any], Any], str] = {
    operator.add: "+",
    operator.sub: "-",
    operator.mul: "*",
    operator.truediv: "/",
    operator.eq: "==",
    operator.ne: "!=",
    operator.lt: "<",
    operator.le: "<=",
    operator.gt: ">",
    operator.ge: ">=",
}
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
"""Python operators that never raise nor leave the range of numbers on two numbers."""


def truth(value: Any) -> Any:
    """`value` as a condition: True, False, or the error value it gives."""
    try:
        return as_bool(value)
    except ErrorSignal as signal:
        return signal.value


@cache
def guarded(implementation: Callable[..., Any]) -> Callable[..., Any]:
    """A function's full semantics: the first error argument is the result, else the
    implementation's value or the error value it signals."""

    def slow(*values: Any) -> Any:
        for value in values:
            if type(value) is FormulaErrorValue:
                return value
        try:
            return implementation(*values)
        except ErrorSignal as signal:
            return signal.value

    return slow


def constant_value(node: Node) -> Any:
    """The value of a node whose operands are all constants, by the full semantics (for
    folding at compile time); any unexpected failure is `#VALUE!`, as at run time."""
    try:
        if isinstance(node, Chain):
            value = _const(node.first)
            for step, operand in node.steps:
                value = step.apply(value, _const(operand))
            return value
        if isinstance(node, Negate):
            value = _const(node.operand)
            return -value if type(value) in REAL else negate(value)
        if isinstance(node, Call):
            return guarded(node.function.implementation)(*map(_const, node.arguments))
        return _const(node)
    except Exception:
        return VALUE


def _const(node: Node) -> Any:
    assert isinstance(node, Const)  # only called on nodes whose operands are constants
    return node.value


def generate(node: Node) -> Evaluator:
    """The Python function computing `node` from a lookup (Ref -> value)."""
    return _Generator().function(node)


_GLOBALS: dict[str, Any] = {
    "REF": REF,
    "REAL": REAL,
    "MAX_TEXT": MAX_TEXT,
    "negate": negate,
    "truth": truth,
    "HANDED": (ArithmeticError, ValueError),
    "Error": FormulaErrorValue,
    "ErrorSignal": ErrorSignal,
}
"""What every generated function reads as a global: one dict for all of them."""


@lru_cache(maxsize=4096)
def _code(source: str) -> CodeType:
    """The code object of a generated function's source. Formulas of one shape share it
    (their inputs and constants are its parameters' defaults), so a site's thousands of
    formulas compile a few dozen times and run the same few code objects."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "<formula>", "exec"), namespace)  # noqa: S102 - from the tree, no text
    template: FunctionType = namespace["formula"]
    return template.__code__


class _Generator:
    """Writes one function: `def formula(L, k1, k2, ...)` whose `k` parameters get, as
    defaults, the inputs, operators, functions and constants it uses."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._names: dict[int, str] = {}
        self._variables = 0

    def function(self, node: Node) -> Evaluator:
        lines: list[str] = []
        result = self.expression(node, lines, 1, {})
        parameters = "".join(f", k{number}" for number in range(len(self.values)))
        source = "\n".join([f"def formula(L{parameters}):", *lines, f"    return {result}"])
        evaluator: Evaluator = FunctionType(_code(source), _GLOBALS, "formula", tuple(self.values))
        return evaluator

    def bind(self, value: Any) -> str:
        """The parameter that holds `value` (one per distinct object)."""
        name = self._names.get(id(value))
        if name is None:
            name = self._names[id(value)] = f"k{len(self.values)}"
            self.values.append(value)
        return name

    def variable(self) -> str:
        self._variables += 1
        return f"v{self._variables}"

    def constant(self, value: Any) -> str:
        if type(value) is bool:
            return repr(value)
        return self.bind(value)

    def expression(self, node: Node, out: list[str], depth: int, scope: dict[Ref, str]) -> str:
        """Append the statements computing `node`; the expression (a local or a literal)
        that holds its value. `scope` names the inputs already read on this path."""
        pad = "    " * depth
        if isinstance(node, Const):
            return self.constant(node.value)
        if isinstance(node, Load):
            known = scope.get(node.ref)
            if known is not None:
                return known
            value, ref = self.variable(), self.bind(node.ref)
            out += [f"{pad}try:", f"{pad}    {value} = L[{ref}]", f"{pad}except KeyError:"]
            out.append(f"{pad}    {value} = REF")
            scope[node.ref] = value
            return value
        if isinstance(node, Negate):
            x = self.expression(node.operand, out, depth, scope)
            value = self.variable()
            out.append(f"{pad}{value} = -{x} if type({x}) in REAL else negate({x})")
            return value
        if isinstance(node, Chain):
            x = self.expression(node.first, out, depth, scope)
            x_number = _is_number(node.first)
            for step, operand in node.steps:
                y = self.expression(operand, out, depth, scope)
                x = self.binary(step, (x, x_number), (y, _is_number(operand)), out, pad)
                x_number = False
            return x
        if isinstance(node, Call):
            return self.call(node, out, depth, scope)
        return self.condition(node, out, depth, scope)

    def binary(
        self,
        step: BinaryOperator,
        left: tuple[str, bool],
        right: tuple[str, bool],
        out: list[str],
        pad: str,
    ) -> str:
        (x, _), (y, _) = left, right
        value, apply = self.variable(), self.bind(step.apply)
        if step.symbol == "&":
            out += [
                f"{pad}if type({x}) is str and type({y}) is str"
                f" and len({x}) + len({y}) <= MAX_TEXT:",
                f"{pad}    {value} = {x} + {y}",
                f"{pad}else:",
                f"{pad}    {value} = {apply}({x}, {y})",
            ]
            return value
        symbol = _SYMBOLS.get(step.fast) if step.fast is not None else None
        if symbol is None:
            out.append(f"{pad}{value} = {apply}({x}, {y})")
            return value
        checks = _number_checks(left, right)
        inner = pad + "    " if checks else pad
        if checks:
            out.append(f"{pad}if {' and '.join(checks)}:")
        if symbol in _COMPARISONS:
            out.append(f"{inner}{value} = {x} {symbol} {y}")
        else:
            out += [
                f"{inner}try:",
                f"{inner}    {value} = {x} {symbol} {y}",
                f"{inner}except ArithmeticError:",
                f"{inner}    {value} = {apply}({x}, {y})",
                f"{inner}else:",
                f"{inner}    if not -{MAX_NUMBER!r} <= {value} <= {MAX_NUMBER!r}:",
                f"{inner}        {value} = {apply}({x}, {y})",
            ]
        if checks:
            out += [f"{pad}else:", f"{pad}    {value} = {apply}({x}, {y})"]
        return value

    def call(self, node: Call, out: list[str], depth: int, scope: dict[Ref, str]) -> str:
        pad = "    " * depth
        names = [self.expression(argument, out, depth, scope) for argument in node.arguments]
        value = self.variable()
        full = self.full_call(node, names, value)
        fast = node.function.on_numbers
        if fast is None:
            out += [pad + line for line in full]
            return value
        checks = _number_checks(
            *(
                (name, _is_number(argument))
                for name, argument in zip(names, node.arguments, strict=True)
            )
        )
        inner = pad + "    " if checks else pad
        if checks:
            out.append(f"{pad}if {' and '.join(checks)}:")
        expression = node.function.numbers_expression
        if expression is not None:
            out.append(f"{inner}{value} = {expression(names, self.bind(fast))}")
        else:
            out += [
                f"{inner}try:",
                f"{inner}    {value} = {self.bind(fast)}({', '.join(names)})",
                f"{inner}except HANDED:",
                *(f"{inner}    {line}" for line in full),
            ]
        if checks:
            out += [f"{pad}else:", *(f"{pad}    {line}" for line in full)]
        return value

    def full_call(self, node: Call, names: list[str], value: str) -> list[str]:
        """The lines of a call by the function's full semantics (unindented): the first
        error argument is the result, else the implementation's value or error signal."""
        lines: list[str] = []
        for name, argument in zip(names, node.arguments, strict=True):
            if isinstance(argument, Const) and type(argument.value) is not FormulaErrorValue:
                continue
            keyword = "elif" if lines else "if"
            lines += [f"{keyword} type({name}) is Error:", f"    {value} = {name}"]
        implementation = self.bind(node.function.implementation)
        body = [
            "try:",
            f"    {value} = {implementation}({', '.join(names)})",
            "except ErrorSignal as signal:",
            f"    {value} = signal.value",
        ]
        if not lines:
            return body
        return [*lines, "else:", *("    " + line for line in body)]

    def condition(self, node: Condition, out: list[str], depth: int, scope: dict[Ref, str]) -> str:
        pad = "    " * depth
        chosen = self.expression(node.condition, out, depth, scope)
        truth_value, value = self.variable(), self.variable()
        if _gives_bool(node.condition):
            test = f"{chosen} if type({chosen}) is bool else"
            test += f" {chosen} != 0 if type({chosen}) in REAL else truth({chosen})"
        else:  # an input or a number: the number test first
            test = f"{chosen} != 0 if type({chosen}) in REAL else"
            test += f" {chosen} if type({chosen}) is bool else truth({chosen})"
        out.append(f"{pad}{truth_value} = {test}")
        out.append(f"{pad}if {truth_value} is True:")
        self.branch(node.when_true, value, out, depth + 1, scope)
        out.append(f"{pad}elif {truth_value} is False:")
        self.branch(node.when_false, value, out, depth + 1, scope)
        out += [f"{pad}else:", f"{pad}    {value} = {truth_value}"]
        return value

    def branch(
        self, node: Node, value: str, out: list[str], depth: int, scope: dict[Ref, str]
    ) -> None:
        """One `SI` branch, run only when chosen: inputs it reads are not known to be read
        after it, so it gets a copy of the scope."""
        pad = "    " * depth
        if depth >= MAX_INLINE_DEPTH and not isinstance(node, Const | Load):
            out.append(f"{pad}{value} = {self.bind(_Generator().function(node))}(L)")
            return
        result = self.expression(node, out, depth, dict(scope))
        out.append(f"{pad}{value} = {result}")


def _number_checks(*operands: tuple[str, bool]) -> list[str]:
    """The tests that the operands not known to be numbers are numbers, once each."""
    names = dict.fromkeys(name for name, number in operands if not number)
    return [f"type({name}) in REAL" for name in names]


def _gives_bool(node: Node) -> bool:
    """Whether `node` usually gives a boolean: a comparison, AND, OR, NOT."""
    if isinstance(node, Chain):
        return node.steps[-1][0].symbol in ("=", "<>", "<", "<=", ">", ">=")
    return isinstance(node, Call) and node.function.name in ("Y", "O", "NO")


def _is_number(node: Node) -> bool:
    return isinstance(node, Const) and type(node.value) in REAL
