"""The generated functions: shared code per formula shape, user text never in the code,
deep and long formulas, constant conditions decided when compiling, and the numbers
fast paths agreeing with the full semantics."""

from __future__ import annotations

import pytest

from formulas import DIV0, NUM, REF, VALUE, Ref, compile_formula
from formulas.codegen import MAX_INLINE_DEPTH

A = Ref("ai", "A", "value")
B = Ref("ai", "B", "value")


def test_formulas_of_one_shape_share_their_code_and_keep_their_own_inputs() -> None:
    first = compile_formula("SI(ai.A.value > 2, 10, 20)").evaluator
    second = compile_formula("SI(ai.B.value > 7, 1, 2)").evaluator
    assert first.__code__ is second.__code__
    assert first({A: 3}) == 10 and second({B: 3}) == 2


def test_texts_of_a_formula_are_values_never_code() -> None:
    formula = compile_formula('"__import__(""os"")" & ai.A.value')
    code = formula.evaluator.__code__
    assert not any("import" in str(constant) for constant in code.co_consts)
    assert "import" not in " ".join(code.co_names)
    assert formula.evaluate({A: 1}) == '__import__("os")1'


def test_an_si_nested_deeper_than_the_inline_depth_still_chooses_right() -> None:
    depth = MAX_INLINE_DEPTH + 10
    source = "ai.A.value"
    for level in range(depth):
        source = f"SI(ai.B.value>{level},{source},{level})"
    formula = compile_formula(source)
    assert formula.evaluate({A: 0.5, B: depth}) == 0.5
    assert formula.evaluate({A: 0.5, B: 3}) == depth - 1  # the outermost chooses its own
    assert formula.evaluate({B: depth}) is REF


def test_a_long_sum_runs_without_recursion() -> None:
    formula = compile_formula("+".join(["ai.A.value"] * 180 + ["1"]))
    assert formula.evaluate({A: 2}) == 361
    assert formula.evaluate({A: "x"}) is VALUE


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("SI(1, ai.A.value, 1/0)", 5),
        ('SI(0, 1/0, ai.A.value & "")', "5"),
        ('SI("maybe", 1, 2)', VALUE),
        ("SI(1/0, 1, 2)", DIV0),
        ("SI(TRUE, ai.A.value)", 5),
        ("SI(FALSE, ai.A.value)", False),
    ],
)
def test_a_constant_condition_is_decided_when_compiling(source: str, value: object) -> None:
    assert compile_formula(source).evaluate({A: 5}) == value


@pytest.mark.parametrize(
    ("source", "inputs", "value"),
    [
        ("O(ai.A.value, ai.B.value)", {A: 0, B: 0.5}, True),
        ("O(ai.A.value, ai.B.value)", {A: 0, B: 0.0}, False),
        ("Y(ai.A.value, ai.B.value)", {A: 2, B: -1}, True),
        ("Y(ai.A.value, ai.B.value)", {A: 2, B: 0}, False),
        ("Y(ai.A.value, ai.B.value)", {A: 2, B: None}, True),  # empty skipped
        ("Y(ai.A.value, ai.B.value)", {A: 2, B: NUM}, NUM),
        ("O(ai.A.value, ai.B.value)", {A: "TRUE", B: 0}, True),
        ("NO(ai.A.value)", {A: 0}, True),
        ("NO(ai.A.value)", {A: "x"}, VALUE),
        ("ai.A.value * ai.B.value", {A: 1e200, B: 1e200}, NUM),
        ("ai.A.value / ai.B.value", {A: 1, B: 0}, DIV0),
        ("ai.A.value - ai.B.value", {A: True, B: "2"}, -1),
        ("-ai.A.value", {A: "3"}, -3),
        ("RAIZ(ai.A.value)", {A: -1}, NUM),
        ("str(ai.A.value * ai.B.value)", {A: 0.1, B: 3}, "0.3"),
        ("int(ai.A.value) + ai.B.value", {A: "7", B: 1}, 8),
        ("SUM(ai.A.value, ai.B.value, 1)", {A: REF, B: DIV0}, REF),
    ],
)
def test_numbers_fast_paths_agree_with_the_full_semantics(
    source: str, inputs: dict[Ref, object], value: object
) -> None:
    assert compile_formula(source).evaluate(inputs) == value
