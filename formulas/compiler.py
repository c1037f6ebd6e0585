"""Formula text to a `CompiledFormula`: a generated Python function plus the inputs it reads.

Names are resolved here, so every problem with them is found before the formula runs, and
every subexpression whose operands are all constants is evaluated once, here (as is the
condition of a `SI` that is a constant). The resulting tree (`formulas.tree`) becomes one
Python function (`formulas.codegen`).
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from typing import Any

from lark import Token, Tree

from formulas.codegen import Evaluator, Lookup, constant_value, generate, truth
from formulas.errors import FormulaLimitError, FormulaNameError, FormulaSyntaxError
from formulas.functions import find_function
from formulas.names import ATTRIBUTES, Ref
from formulas.operators import BINARY_OPERATORS
from formulas.parser import SyntaxTree, parse
from formulas.tree import Call, Chain, Condition, Const, Load, Negate, Node
from formulas.values import MAX_NUMBER, REF, VALUE, FormulaErrorValue

#: The tags that exist, per kind (`"ai"`, `"di"`, `"sv"`, `"eg"`).
KnownTags = Mapping[str, Container[str]]

_BOOLEANS = {"TRUE": True, "VERDADERO": True, "FALSE": False, "FALSO": False}


class CompiledFormula:
    """A formula ready to run. `inputs` is every `Ref` it may read; `evaluate` never
    raises. `evaluator` is the bare function, for callers that catch exceptions themselves
    around a batch of evaluations."""

    __slots__ = ("source", "inputs", "evaluator")

    def __init__(self, source: str, inputs: frozenset[Ref], evaluator: Evaluator) -> None:
        self.source = source
        self.inputs = inputs
        self.evaluator = evaluator

    def evaluate(self, lookup: Lookup) -> Any:
        """The formula's value given `lookup` (`Ref` -> current value; a missing input
        reads as `#REF!`, `None` as empty; numbers are expected within +-1E+308, as the
        `Engine` keeps them). Any failure comes back as an error value."""
        return run_guarded(self.evaluator, lookup)

    def __repr__(self) -> str:
        return f"CompiledFormula({self.source!r})"


def run_guarded(evaluator: Evaluator, lookup: Lookup) -> Any:
    """`evaluator(lookup)`, with an unexpected exception turned into `#VALUE!`: the
    operators and functions return error values themselves, this is the last resort."""
    try:
        return evaluator(lookup)
    except Exception:
        return VALUE


def compile_formula(source: str, known_tags: KnownTags | None = None) -> CompiledFormula:
    """Compile `source`, or raise a `FormulaError` (kind syntax, name or limit).

    With `known_tags`, a name whose tag is not listed under its kind is a name error; all
    unknown names are reported together, positioned at the first.
    """
    compiler = _Compiler(known_tags)
    node = compiler.operand(parse(source))
    compiler.raise_name_problems()
    return CompiledFormula(source, frozenset(compiler.inputs), generate(node))


def _fold(operands: Sequence[Node], node: Node) -> Node:
    """`node` itself, or its value when all its operands are constants."""
    if all(isinstance(operand, Const) for operand in operands):
        return Const(constant_value(node))
    return node


class _Compiler:
    def __init__(self, known_tags: KnownTags | None) -> None:
        self.known_tags = known_tags
        self.inputs: set[Ref] = set()
        self.name_problems: list[tuple[int, str, str]] = []

    def raise_name_problems(self) -> None:
        if self.name_problems:
            self.name_problems.sort()
            raise FormulaNameError(
                "; ".join(message for _, message, _ in self.name_problems),
                self.name_problems[0][0],
                tuple(name for _, _, name in self.name_problems),
            )

    def operand(self, node: SyntaxTree) -> Node:
        kind = node.data
        if kind == "number":
            return self.number(_token(node.children[0]))
        if kind == "string":
            return Const(_token(node.children[0])[1:-1].replace('""', '"'))
        if kind == "name":
            return self.name(_token(node.children[0]))
        if kind == "call":
            arguments = [_tree(child) for child in node.children[1:] if child is not None]
            return self.call(_token(node.children[0]), arguments)
        if kind == "negate":
            inner = self.operand(_tree(node.children[0]))
            return _fold([inner], Negate(inner))
        if kind in ("concat", "power"):
            symbol = "&" if kind == "concat" else "^"
            operands = [self.operand(_tree(child)) for child in node.children]
            return self.chain(operands, [symbol] * (len(operands) - 1))
        operands = [self.operand(_tree(child)) for child in node.children[::2]]
        return self.chain(operands, [str(token) for token in node.children[1::2]])

    def chain(self, operands: list[Node], symbols: list[str]) -> Node:
        operators = [BINARY_OPERATORS[symbol] for symbol in symbols]
        first = operands[0]
        rest = list(zip(operators, operands[1:], strict=True))
        while rest and isinstance(first, Const) and isinstance(rest[0][1], Const):
            operator, second = rest.pop(0)
            first = _fold([first, second], Chain(first, [(operator, second)]))
        return Chain(first, rest) if rest else first

    def number(self, token: Token) -> Const:
        text = str(token)
        value = int(text) if text.isdigit() else float(text)
        if value > MAX_NUMBER:
            raise FormulaLimitError(
                f"the number {text} is too large; the limit is 1E+308", token.start_pos
            )
        return Const(value)

    def name(self, token: Token) -> Node:
        text = str(token)
        parts = text.split(".")
        if len(parts) == 1:
            if text.upper() in _BOOLEANS:
                return Const(_BOOLEANS[text.upper()])
            if find_function(text):
                return self.problem(token, f"{text} is a function: write {text}(...)")
            return self.problem(
                token, f"unknown name {text}: write kind.TAG.attribute, e.g. di.TAG.value"
            )
        if len(parts) != 3:
            return self.problem(
                token, f"{text} is not a name of the form kind.TAG.attribute, e.g. di.TAG.value"
            )
        kind, tag, attr = parts[0].lower(), parts[1], parts[2].lower()
        if kind not in ATTRIBUTES:
            return self.problem(token, f"{text}: unknown kind {parts[0]} (ai, di, sv or eg)")
        if attr not in ATTRIBUTES[kind]:
            known = ", ".join(ATTRIBUTES[kind])
            return self.problem(token, f"{text}: {kind} has no attribute {parts[2]} ({known})")
        if self.known_tags is not None and tag not in self.known_tags.get(kind, ()):
            return self.problem(token, f"unknown tag {kind}.{tag}", f"{kind}.{tag}")
        ref = Ref(kind, tag, attr)
        self.inputs.add(ref)
        return Load(ref)

    def problem(self, token: Token, message: str, name: str | None = None) -> Const:
        self.name_problems.append((token.start_pos or 0, message, name or str(token)))
        return Const(REF)

    def call(self, name: Token, arguments: list[SyntaxTree]) -> Node:
        function = find_function(str(name))
        if function is None:
            return self.problem(name, f"unknown function {name}")
        if not function.min_args <= len(arguments) <= function.max_args:
            raise FormulaSyntaxError(
                f"{name} takes {function.arity_text()}, not {len(arguments)}", name.start_pos
            )
        operands = [self.operand(argument) for argument in arguments]
        if function.lazy:  # SI, the only one: its branches are evaluated when chosen
            return _condition(*operands)
        return _fold(operands, Call(function, operands))


def _condition(condition: Node, when_true: Node, when_false: Node | None = None) -> Node:
    """`SI`; without `when_false`, FALSE. A constant condition picks its branch now."""
    otherwise = Const(False) if when_false is None else when_false
    if isinstance(condition, Const):
        chosen = truth(condition.value)
        if type(chosen) is FormulaErrorValue:
            return Const(chosen)
        return when_true if chosen else otherwise
    return Condition(condition, when_true, otherwise)


def _token(child: SyntaxTree | Token) -> Token:
    """A child that the grammar makes a token (a number, text, name or function name)."""
    assert isinstance(child, Token)
    return child


def _tree(child: SyntaxTree | Token) -> SyntaxTree:
    """A child that the grammar makes a subtree (an operand)."""
    assert isinstance(child, Tree)
    return child
