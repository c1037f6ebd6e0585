"""What an engineer is told when a formula cannot be compiled."""

from __future__ import annotations

import pytest

from formulas import (
    FormulaError,
    FormulaLimitError,
    FormulaNameError,
    FormulaSyntaxError,
    compile_formula,
)
from formulas.parser import MAX_DEPTH, MAX_SOURCE_LENGTH

OPERAND = "a number, a text, a name or '('"


@pytest.mark.parametrize(
    ("source", "position", "message", "expected"),
    [
        ("1+", 2, "the formula ends too early", OPERAND),
        ("", 0, "the formula is empty", OPERAND),
        ("   ", 0, "the formula is empty", OPERAND),
        ("=", 1, "the formula is empty", OPERAND),
        ("(1", 2, "the formula ends before a '(' is closed", "')'"),
        ("SI(1,2", 6, "the formula ends before a '(' is closed", "',' or ')'"),
        ("1)", 1, "unexpected ')'", "the end of the formula"),
        ("1 2", 2, "unexpected number 2", "an operator or the end of the formula"),
        ("SI(1 2)", 5, "unexpected number 2", "an operator, ',' or ')'"),
        ("SI(1,,2)", 5, "unexpected ','", OPERAND),
        ("1 $ 2", 2, "unexpected character '$'", "an operator or the end of the formula"),
        ("1 == 2", 3, "unexpected '='", OPERAND),
        ("*2", 0, "unexpected '*'", OPERAND),
        ('"abc', 0, "a text has no closing '\"'", "a closing '\"'"),
        ('SI("a""b,1,2)', 6, "a text has no closing '\"'", "a closing '\"'"),
    ],
)
def test_syntax_errors_say_where_and_what_was_expected(source, position, message, expected):
    with pytest.raises(FormulaSyntaxError) as caught:
        compile_formula(source)
    error = caught.value
    assert (error.kind, error.position, error.expected) == ("syntax", position, expected)
    assert error.message.startswith(message)
    assert str(error) == f"{error.message}; expected {expected}"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("SI(1)", "SI takes 2 to 3 arguments, not 1"),
        ("NO(1,2)", "NO takes 1 argument, not 2"),
        ("REDONDEAR(1)", "REDONDEAR takes 2 arguments, not 1"),
        ("SUMA()", "SUMA takes at least 1 argument, not 0"),
    ],
)
def test_a_wrong_number_of_arguments_is_a_syntax_error_at_the_function(source, message):
    with pytest.raises(FormulaSyntaxError) as caught:
        compile_formula(f"1+{source}")
    assert (caught.value.message, caught.value.position, str(caught.value)) == (
        message,
        2,
        message,
    )


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("di.E4.escala", 0, "di has no attribute escala (value, q)"),
        ("1+eg.E1.value", 2, "eg has no attribute value (text, fill, stroke, mark)"),
        ("xx.T.value", 0, "unknown kind xx"),
        ("ai.T", 0, "not a name of the form kind.TAG.attribute"),
        ("ai.T.value.x", 0, "not a name of the form kind.TAG.attribute"),
        ("foo", 0, "unknown name foo"),
        ("SI", 0, "SI is a function: write SI(...)"),
        ("FOO(1)", 0, "unknown function FOO"),
        ("ai.x(1)", 0, "unknown function ai.x"),
        ("STR(1)+Int(1)+INT(1)+int(1)+Float(1)+float(1)+SQRT(1)", None, None),
        ("__import__(1)", 0, "unknown function __import__"),
        ("x.__class__", 0, "not a name of the form"),
        ("ai.__class__.value", None, None),  # an odd but well-formed tag: just missing
    ],
)
def test_name_errors(source, position, fragment):
    if fragment is None:
        compile_formula(source)
        return
    with pytest.raises(FormulaNameError) as caught:
        compile_formula(source)
    assert caught.value.kind == "name"
    assert caught.value.position == position
    assert fragment in caught.value.message


def test_kinds_and_attributes_are_case_insensitive_tags_are_not():
    formula = compile_formula("AI.E42P.VALUE+Di.X.Value")
    assert {(ref.kind, ref.tag, ref.attr) for ref in formula.inputs} == {
        ("ai", "E42P", "value"),
        ("di", "X", "value"),
    }


KNOWN = {"ai": {"E42P", "E42Q"}, "di": {"E4DI00"}, "sv": set(), "eg": {"E1"}}


def test_known_tags_accept_the_names_that_exist():
    compile_formula("SI(di.E4DI00.value,ai.E42P.value,eg.E1.fill)", KNOWN)


def test_all_unknown_tags_are_reported_together_at_the_first():
    with pytest.raises(FormulaNameError) as caught:
        compile_formula("ai.E42P.value+di.NOPE.value+eg.GONE.fill+sv.E42P.value", KNOWN)
    error = caught.value
    assert error.names == ("di.NOPE", "eg.GONE", "sv.E42P")
    assert error.position == len("ai.E42P.value+")
    assert "di.NOPE" in error.message and "eg.GONE" in error.message


def test_a_name_error_is_reported_even_in_a_branch_that_would_not_run():
    with pytest.raises(FormulaNameError):
        compile_formula("SI(1,2,di.NOPE.value)", KNOWN)


def test_the_source_length_is_limited():
    compile_formula("1" + "+1" * ((MAX_SOURCE_LENGTH - 1) // 2))
    with pytest.raises(FormulaLimitError) as caught:
        compile_formula("1" * (MAX_SOURCE_LENGTH + 1))
    assert caught.value.kind == "limit"
    assert str(MAX_SOURCE_LENGTH) in caught.value.message


@pytest.mark.parametrize(
    "source",
    [
        "-" * (MAX_DEPTH + 1) + "1",
        "SI(" * (MAX_DEPTH + 1) + "1" + ",1)" * (MAX_DEPTH + 1),
        "ABS(" * 300 + "1" + ")" * 300,
        "(1+" * 400 + "1" + ")" * 400,
    ],
)
def test_nesting_is_limited(source):
    with pytest.raises(FormulaLimitError) as caught:
        compile_formula(source)
    assert "nests more than" in caught.value.message
    assert caught.value.position is not None


def test_redundant_parentheses_do_not_count_as_nesting():
    assert compile_formula("(" * 900 + "1" + ")" * 900).evaluate({}) == 1


def test_ten_thousand_parentheses_are_a_limit_error_not_a_recursion_error():
    with pytest.raises(FormulaLimitError):
        compile_formula("(" * 10_000 + "1" + ")" * 10_000)
    with pytest.raises(FormulaLimitError):
        compile_formula("(" * 10_000)


def test_every_compile_error_is_a_formula_error_with_a_kind():
    for source in ("1+", "foo", "1" * 3000):
        with pytest.raises(FormulaError) as caught:
            compile_formula(source)
        assert caught.value.kind in {"syntax", "name", "limit"}
