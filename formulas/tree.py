"""The expression tree the compiler builds from the syntax tree, once names are resolved and
constants folded; `formulas.codegen` turns it into one Python function per formula.

Only these node kinds exist, and each carries resolved things (a `Ref`, an operator of
`formulas.operators`, a `Function` of the registry, a constant value), never text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from formulas.functions import Function
from formulas.names import Ref
from formulas.operators import BinaryOperator


class Const:
    """A value known when compiling."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Load:
    """An input read from the lookup (`#REF!` when it is missing)."""

    __slots__ = ("ref",)

    def __init__(self, ref: Ref) -> None:
        self.ref = ref


class Chain:
    """`first op operand op operand ...`, left to right (a single operator is a chain of
    one step; a long sum stays flat, so nothing walks it by recursion)."""

    __slots__ = ("first", "steps")

    def __init__(self, first: Node, steps: Sequence[tuple[BinaryOperator, Node]]) -> None:
        self.first = first
        self.steps = tuple(steps)


class Negate:
    """The sign `-`."""

    __slots__ = ("operand",)

    def __init__(self, operand: Node) -> None:
        self.operand = operand


class Call:
    """A call of an eager function: every argument is evaluated, left to right."""

    __slots__ = ("function", "arguments")

    def __init__(self, function: Function, arguments: Sequence[Node]) -> None:
        self.function = function
        self.arguments = tuple(arguments)


class Condition:
    """`SI(condition, when_true, when_false)`: only the chosen branch is evaluated."""

    __slots__ = ("condition", "when_true", "when_false")

    def __init__(self, condition: Node, when_true: Node, when_false: Node) -> None:
        self.condition = condition
        self.when_true = when_true
        self.when_false = when_false


Node = Const | Load | Chain | Negate | Call | Condition
