"""Properties over many generated formulas: the compiled functions agree with a small
tree-walking interpreter written here from the documented rules, and no text whatever gets
anything but a result or a `FormulaError`."""

from __future__ import annotations

import math
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formulas import DIV0, NUM, REF, VALUE, FormulaError, FormulaErrorValue, Ref, compile_formula

# --- The test's own expression trees and how to write them -----------------------------------
# ("lit", value) | ("input", index) | ("neg", x) | ("bin", op, x, y) | ("if", c, t, f)
# | ("and", [args]) | ("or", [args]) | ("not", x)

LEVELS = {"=": 1, "<>": 1, "!=": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "&": 2}
LEVELS |= {"+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
SIGN_LEVEL, ATOM_LEVEL = 6, 7


def write_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return repr(value)


def level(node: tuple) -> int:
    if node[0] == "bin":
        return LEVELS[node[1]]
    return SIGN_LEVEL if node[0] == "neg" else ATOM_LEVEL


def write(node: tuple) -> str:
    """Source with only the parentheses Excel's precedence needs."""
    kind = node[0]
    if kind == "lit":
        return write_literal(node[1])
    if kind == "input":
        return f"ai.I{node[1]}.value"
    if kind == "neg":
        inner = write(node[1])
        return "-" + (inner if level(node[1]) >= SIGN_LEVEL else f"({inner})")
    if kind == "bin":
        op, left, right = node[1:]
        mine = LEVELS[op]
        left_text = write(left) if level(left) >= mine else f"({write(left)})"
        right_text = write(right) if level(right) > mine else f"({write(right)})"
        return f"{left_text}{op}{right_text}"
    if kind == "if":
        return "SI(" + ",".join(write(part) for part in node[1:]) + ")"
    if kind in ("and", "or"):
        return ("Y(" if kind == "and" else "O(") + ",".join(map(write, node[1])) + ")"
    return f"NO({write(node[1])})"


# --- The reference interpreter ----------------------------------------------------------------

PLAIN_NUMBER = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")


def is_error(value: Any) -> bool:
    return isinstance(value, FormulaErrorValue)


def in_range(number: Any) -> Any:
    return number if -1e308 <= number <= 1e308 else NUM


def number(value: Any) -> Any:
    if is_error(value):
        return value
    if isinstance(value, bool):
        return 1 if value else 0
    if value is None:
        return 0
    if isinstance(value, int | float):
        return in_range(value)
    if PLAIN_NUMBER.fullmatch(value):
        exact = value.isdigit() and value.isascii() and len(value) < 309
        return in_range(int(value) if exact else float(value))
    return VALUE


def text(value: Any) -> Any:
    if is_error(value) or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return ""
    if isinstance(value, int) and abs(value) < 10**15:
        return str(value)
    written = format(float(value), ".15g").upper()
    return "0" if written == "-0" else written


def truth(value: Any) -> Any:
    if is_error(value) or isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value != 0
    word = value.strip().upper()
    if word in ("TRUE", "VERDADERO"):
        return True
    if word in ("FALSE", "FALSO"):
        return False
    return VALUE


def power(base: Any, exponent: Any) -> Any:
    if base == 0 and exponent == 0:
        return NUM
    if base == 0 and exponent < 0:
        return DIV0
    if base < 0 and exponent != math.floor(exponent):
        return NUM
    try:
        result = math.pow(base, exponent)
    except OverflowError:
        return NUM
    exact = isinstance(base, int) and isinstance(exponent, int) and exponent >= 0
    return base**exponent if exact and abs(result) < 2**53 else result


def arithmetic(op: str, left: Any, right: Any) -> Any:
    x = number(left)
    if is_error(x):
        return x
    y = number(right)
    if is_error(y):
        return y
    if op == "/":
        return DIV0 if y == 0 else in_range(x / y)
    if op == "^":
        result = power(x, y)
        return result if is_error(result) else in_range(result)
    return in_range({"+": x + y, "-": x - y, "*": x * y}[op])


def rank(value: Any) -> int:
    return 2 if isinstance(value, bool) else 1 if isinstance(value, str) else 0


def comparison(op: str, left: Any, right: Any) -> Any:
    for value in (left, right):
        if is_error(value):
            return value
    if left is None and right is None:
        left = right = 0
    elif left is None:
        left = {0: 0, 1: "", 2: False}[rank(right)]
    elif right is None:
        right = {0: 0, 1: "", 2: False}[rank(left)]
    if rank(left) != rank(right):
        order = rank(left) - rank(right)
    elif isinstance(left, str):
        order = (left.casefold() > right.casefold()) - (left.casefold() < right.casefold())
    else:
        order = (left > right) - (left < right)
    return {
        "=": order == 0,
        "<>": order != 0,
        "!=": order != 0,
        "<": order < 0,
        "<=": order <= 0,
        ">": order > 0,
        ">=": order >= 0,
    }[op]


def reference(node: tuple, inputs: list[Any]) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "input":
        return inputs[node[1]]
    if kind == "neg":
        x = number(reference(node[1], inputs))
        return x if is_error(x) else -x
    if kind == "bin":
        op = node[1]
        left, right = reference(node[2], inputs), reference(node[3], inputs)
        if op == "&":
            x, y = text(left), text(right)
            for part in (x, y):
                if is_error(part):
                    return part
            return x + y if len(x) + len(y) <= 10_000 else VALUE
        if op in LEVELS and LEVELS[op] == 1:
            return comparison(op, left, right)
        return arithmetic(op, left, right)
    if kind == "if":
        chosen = truth(reference(node[1], inputs))
        if is_error(chosen):
            return chosen
        if chosen:
            return reference(node[2], inputs)
        return reference(node[3], inputs) if len(node) > 3 else False
    if kind in ("and", "or"):
        values = [reference(argument, inputs) for argument in node[1]]
        for value in values:
            if is_error(value):
                return value
        truths = [truth(value) for value in values if value is not None]
        for value in truths:
            if is_error(value):
                return value
        if not truths:
            return VALUE
        return all(truths) if kind == "and" else any(truths)
    value = truth(reference(node[1], inputs))
    return value if is_error(value) else not value


# --- Strategies -------------------------------------------------------------------------------

TEXTS = st.sampled_from(
    ["", "a", "A", "b", "B", "1", " 2.5 ", "1e3", "TRUE", "falso", 'x"y', "007", "-0"]
)
EDGE_NUMBERS = st.sampled_from([0, 1, 2, -1, 0.5, -0.0, 3.0, 1e300, -1e300, 1e-300, 2**53, 10**15])
LITERAL_NUMBERS = (
    st.integers(0, 10**6)
    | st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
    | st.just(1e300)
)
INPUT_VALUES = (
    EDGE_NUMBERS
    | st.integers(-(10**9), 10**9)
    | st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)
    | st.booleans()
    | TEXTS
    | st.text(max_size=4)
    | st.none()
    | st.sampled_from([DIV0, VALUE, REF, NUM])
)
INPUT_COUNT = 4

input_leaves = st.tuples(st.just("input"), st.integers(0, INPUT_COUNT - 1))
leaves = st.tuples(st.just("lit"), LITERAL_NUMBERS | st.booleans() | TEXTS) | input_leaves


# Leaves of one type, so that like is often compared with like and extremes meet.
text_leaves = st.tuples(st.just("lit"), TEXTS) | input_leaves
extreme_leaves = st.tuples(st.just("lit"), EDGE_NUMBERS.filter(lambda n: n >= 0)) | input_leaves
COMPARISONS = sorted(op for op, level in LEVELS.items() if level == 1)
ARITHMETIC = ["+", "-", "*", "/", "^"]


def _grow(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("bin"), st.sampled_from(sorted(LEVELS)), children, children),
        st.tuples(st.just("bin"), st.sampled_from(COMPARISONS), text_leaves, text_leaves),
        st.tuples(st.just("bin"), st.sampled_from(ARITHMETIC), extreme_leaves, extreme_leaves),
        st.tuples(st.just("if"), children, children, children),
        st.tuples(st.just("if"), children, children),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=3)),
        st.tuples(st.just("not"), children),
    )


trees = st.recursive(leaves, _grow, max_leaves=12)


def same(result: Any, expected: Any) -> bool:
    return type(result) is type(expected) and result == expected


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, inputs=st.lists(INPUT_VALUES, min_size=INPUT_COUNT, max_size=INPUT_COUNT))
def test_compiled_formulas_agree_with_the_reference_interpreter(tree, inputs):
    source = write(tree)
    lookup = {Ref("ai", f"I{n}", "value"): value for n, value in enumerate(inputs)}
    formula = compile_formula(source)
    result = formula.evaluator(lookup)  # unguarded: any exception here is a bug
    expected = reference(tree, inputs)
    assert same(result, expected), (source, inputs, result, expected)


@settings(max_examples=300, deadline=None)
@given(tree=trees, inputs=st.lists(INPUT_VALUES, min_size=INPUT_COUNT, max_size=INPUT_COUNT))
def test_constant_folding_changes_nothing(tree, inputs):
    """The same tree with every input written as a literal where it can be: folded at
    compile time, it must give what the inputs give at run time."""

    def inline(node: tuple) -> tuple:
        if node[0] == "input":
            value = inputs[node[1]]
            literal = isinstance(value, bool | str) or (
                isinstance(value, int | float) and value >= 0
            )
            return ("lit", value) if literal else node
        if node[0] in ("and", "or"):
            return (node[0], [inline(child) for child in node[1]])
        return tuple(inline(part) if isinstance(part, tuple) else part for part in node)

    lookup = {Ref("ai", f"I{n}", "value"): value for n, value in enumerate(inputs)}
    at_run_time = compile_formula(write(tree)).evaluator(lookup)
    folded = compile_formula(write(inline(tree))).evaluator(lookup)
    assert same(folded, at_run_time)


FORMULA_CHARACTERS = st.sampled_from(list('0123456789.eE+-*/^&=<>!(),"_ aiSI') + ["ai.X.value"])


@settings(max_examples=500, deadline=None)
@given(source=st.text() | st.lists(FORMULA_CHARACTERS, max_size=40).map("".join))
def test_any_text_compiles_or_raises_a_formula_error(source):
    try:
        formula = compile_formula(source)
    except FormulaError as error:
        assert error.kind in {"syntax", "name", "limit"}
        assert error.message
        assert error.position is None or 0 <= error.position <= len(source)
        return
    formula.evaluator({Ref("ai", "X", "value"): 1.5})


@settings(max_examples=200, deadline=None)
@given(depth=st.integers(1, 3_000), opener=st.sampled_from(["(", "-", "SI(", "ABS(", "1+("]))
def test_deep_nesting_is_rejected_or_bounded(depth, opener):
    closer = {"(": ")", "-": "", "SI(": ",1)", "ABS(": ")", "1+(": ")"}[opener]
    source = opener * depth + "1" + closer * depth
    try:
        value = compile_formula(source).evaluate({})
    except FormulaError as error:
        assert error.kind == "limit"
    else:
        expected = {"-": (-1) ** depth, "1+(": depth + 1}.get(opener, 1)
        assert value == expected


def test_formulas_cannot_reach_python_objects():
    for source in [
        "__class__",
        "__import__",
        '__import__("os")',
        "().__class__",
        '"a".__class__',
        "(1).__class__",
        "ai.X.value.__class__",
        "ai.X.value.__class__.__bases__",
        "SI.__globals__",
        "eval(1)",
        "exec(1)",
        "open(1)",
        "getattr(1,2)",
        "lambda: 1",
        "[1]",
        "{1}",
        "a[0]",
        "1;2",
        "1 if 1 else 2",
    ]:
        try:
            compile_formula(source)
        except FormulaError:
            continue
        raise AssertionError(f"{source!r} compiled")


def test_huge_powers_and_long_texts_are_bounded():
    assert math.isfinite(compile_formula("9^9^9").evaluate({}))
    assert compile_formula("9^9^9^9").evaluate({}) is NUM
    assert compile_formula("10^400").evaluate({}) is NUM
    longest = '"' + "a" * 990 + '"'
    assert compile_formula(longest + "&" + longest).evaluate({}) == "a" * 1_980
