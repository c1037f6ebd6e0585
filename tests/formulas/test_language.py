"""The language as engineers write it: real formulas from the field and Excel's semantics."""

from __future__ import annotations

import math

import pytest

from formulas import DIV0, NUM, REF, VALUE, FormulaLimitError, Ref, compile_formula
from tests.formulas.helpers import evaluate

# --- Real formulas from the field ---------------------------------------------------------


@pytest.mark.parametrize(("di", "expected"), [(1, 1), (0, 2), (True, 1), (False, 2)])
def test_a_breaker_position_picks_its_colour(di, expected):
    context = {"di": {"E4DI00": {"value": di, "q": 0}}}
    assert evaluate("SI(di.E4DI00.value,1,2)", context) == expected


def test_a_formula_knows_its_inputs():
    formula = compile_formula("SI(int(eg.E4289I05.text),eg.E42BAR00.stroke,12)")
    assert formula.inputs == {Ref("eg", "E4289I05", "text"), Ref("eg", "E42BAR00", "stroke")}


@pytest.mark.parametrize(("text", "expected"), [("1", 7), ("0", 12), (" 3 ", 7), ("2.9", 7)])
def test_an_element_text_read_as_a_number_chooses_another_elements_stroke(text, expected):
    context = {"eg": {"E4289I05": {"text": text}, "E42BAR00": {"stroke": 7}}}
    assert evaluate("SI(int(eg.E4289I05.text),eg.E42BAR00.stroke,12)", context) == expected


def test_an_element_text_that_is_no_number_is_a_value_error():
    context = {"eg": {"E4289I05": {"text": "open"}, "E42BAR00": {"stroke": 7}}}
    assert evaluate("SI(int(eg.E4289I05.text),eg.E42BAR00.stroke,12)", context) is VALUE


@pytest.mark.parametrize(("pr", "pa", "expected"), [(0, 0, 10), (1, 0, 6), (0, 1, 6), (1, 1, 6)])
def test_bad_quality_on_either_measurement_shows_colour_6(pr, pa, expected):
    context = {"ai": {"E42PR_01": {"q": pr}, "E42PA_01": {"q": pa}}}
    assert evaluate("SI(O(ai.E42PR_01.q,ai.E42PA_01.q),6,10)", context) == expected


@pytest.mark.parametrize(("stroke", "expected"), [(2, 9), (2.0, 9), (3, 3), ("2", 3)])
def test_a_single_equals_sign_is_equality(stroke, expected):
    context = {"eg": {"E4A89S01": {"stroke": stroke}}}
    assert evaluate("SI(eg.E4A89S01.stroke=2,9,3)", context) == expected


APPARENT_POWER = "str(RAIZ(ai.E42P.value*ai.E42P.value+ai.E42Q.value*ai.E42Q.value)*ai.E42P.escala)"


@pytest.mark.parametrize(
    ("p", "q", "scale", "expected"),
    [(3, 4, 1.5, "7.5"), (300, 400, 0.01, "5"), (1, 1, 1, "1.4142135623731"), (0, 0, 1, "0")],
)
def test_apparent_power_as_text(p, q, scale, expected):
    context = {"ai": {"E42P": {"value": p, "escala": scale}, "E42Q": {"value": q}}}
    assert evaluate(APPARENT_POWER, context) == expected


# --- Operators and precedence ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("-2^2", 4),  # the sign binds tighter than ^, as in Excel
        ("0-2^2", -4),
        ("2^3^2", 64),  # ^ is left-associative, as in Excel
        ("2^-1", 0.5),
        ("--3", 3),
        ("+-3", -3),
        ("2+3*4", 14),
        ("(2+3)*4", 20),
        ("2*3+4", 10),
        ("10/4", 2.5),
        ("10-4-3", 3),
        ("100/10/5", 2),
        ("1+2&3", "33"),  # & is looser than +
        ("1+1=2", True),  # comparisons are loosest
        ("1&2=12", False),  # the text "12" is not the number 12
        ('1&2="12"', True),
        ("=1+1", 2),  # a leading = as typed in Excel
        (" 1 +\n 2 ", 3),
    ],
)
def test_precedence_and_associativity_follow_excel(source, expected):
    assert evaluate(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1<=1", True),
        ("2<=1", False),
        ("1>=1", True),
        ("1>=2", False),
        ("1<>2", True),
        ("1<>1", False),
        ("1!=2", True),
        ("1!=1", False),
        ("1<2", True),
        ("2>1", True),
        ("1=1", True),
        ("1=1.0", True),
    ],
)
def test_every_comparison_operator_works(source, expected):
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('1<"0"', True),  # numbers sort before texts
        ('"z"<TRUE', True),  # texts before booleans
        ("TRUE>99999", True),
        ("FALSE<TRUE", True),
        ('1="1"', False),  # no conversion in comparisons
        ('"abc"="ABC"', True),  # texts compare without regard to case
        ('"a"<"B"', True),
        ('"b"<"A"', False),
        ('"a"<>"A"', False),
        ("TRUE=1", False),
    ],
)
def test_comparisons_of_different_types_follow_excel(source, expected):
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("TRUE+TRUE", 2),
        ("FALSE*5", 0),
        ("VERDADERO+1", 2),
        ("falso+1", 1),
        ('"2"+1', 3),
        ('" 1.5 "*2', 3.0),
        ('"1e3"+0', 1000.0),
        ('"-4"/2', -2.0),
    ],
)
def test_arithmetic_converts_booleans_and_numeric_texts(source, expected):
    assert evaluate(source) == expected


@pytest.mark.parametrize("text", ["abc", "", "1_000", "inf", "nan", "0x10", "١٢", "1,5"])
def test_a_text_that_is_no_plain_number_is_a_value_error_in_arithmetic(text):
    assert evaluate("eg.E.text+0", {"eg": {"E": {"text": text}}}) is VALUE


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"a"&1.0', "a1"),
        ("1&2", "12"),
        ('0.5&""', "0.5"),
        ('TRUE&""', "TRUE"),
        ('1/3&""', "0.333333333333333"),
        ('2/3&""', "0.666666666666667"),
        ('1E+20&""', "1E+20"),
        ('123456789012345678&""', "1.23456789012346E+17"),
        ('999999999999999&""', "999999999999999"),
        ('0.0001&""', "0.0001"),
        ('0.00001&""', "1E-05"),
        ('-0.0&""', "0"),
        ('"say ""hi"""', 'say "hi"'),
        ('""&""', ""),
    ],
)
def test_concatenation_writes_numbers_like_excel(source, expected):
    assert evaluate(source) == expected


# --- Empty inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("ai.X.value+1", 1),
        ('ai.X.value&"a"', "a"),
        ("SI(ai.X.value,1,2)", 2),
        ("ai.X.value=0", True),
        ('ai.X.value=""', True),
        ("ai.X.value=FALSE", True),
        ("NO(ai.X.value)", True),
        ("str(ai.X.value)", ""),
    ],
)
def test_an_empty_input_reads_as_zero_empty_text_or_false(source, expected):
    assert evaluate(source, {"ai": {"X": {"value": None}}}) == expected


def test_a_missing_input_is_a_ref_error():
    assert evaluate("ai.NOPE.value+1") is REF
    assert evaluate("SI(ai.NOPE.value,1,2)") is REF


# --- Functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Y(1,1)", True),
        ("AND(1,0)", False),
        ("and(TRUE,TRUE,TRUE)", True),
        ("O(0,0)", False),
        ("OR(0,1)", True),
        ("O(0,0,0,1)", True),
        ("NO(0)", True),
        ("NOT(TRUE)", False),
        ('AND("TRUE",1)', True),
        ('OR("falso")', False),
        ("AND(ai.X.value,1)", True),  # empty inputs are skipped
    ],
)
def test_logical_functions(source, expected):
    assert evaluate(source, {"ai": {"X": {"value": None}}}) is expected


@pytest.mark.parametrize("source", ['AND("x",1)', 'O(0,"maybe")', 'NO("x")', "AND(ai.X.value)"])
def test_logical_functions_reject_texts_and_nothing_at_all(source):
    assert evaluate(source, {"ai": {"X": {"value": None}}}) is VALUE


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("SI(1,2,1/0)", 2),  # only the chosen branch runs
        ("SI(0,1/0,3)", 3),
        ("IF(FALSE,1)", False),
        ('si(1=1,"yes","no")', "yes"),
        ('Si("TRUE",1,2)', 1),
        ("SI(0.5,1,2)", 1),
        ("SI(SI(1,0,1),1,SI(1,5,6))", 5),
    ],
)
def test_if_evaluates_only_the_chosen_branch(source, expected):
    assert evaluate(source) == expected


def test_if_returns_the_error_of_its_condition_or_chosen_branch():
    assert evaluate("SI(1,1/0,3)") is DIV0
    assert evaluate("SI(1/0,1,2)") is DIV0
    assert evaluate('SI("x",1,2)') is VALUE


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("RAIZ(16)", 4.0),
        ("SQRT(2.25)", 1.5),
        ("SUMA(1,2,3)", 6),
        ('SUM(1,TRUE,"2")', 4),
        ("ABS(-3)", 3),
        ("MIN(3,1,2)", 1),
        ("MAX(3,1,2)", 3),
        ("MAX(-1)", -1),
        ("REDONDEAR(2.5,0)", 3),
        ("ROUND(-2.5,0)", -3),  # half away from zero
        ("ROUND(0.5,0)", 1),
        ("ROUND(2.675,2)", 2.68),  # as shown, not as the binary float
        ("ROUND(1234.5,-2)", 1200),
        ("ROUND(1.23456,3.9)", 1.235),  # digits are truncated
        ("ENTERO(2.7)", 2),
        ("INT(-2.5)", -3),  # INT floors
        ("int(-2.5)", -2),  # the lowercase conversion truncates
        ('int("7")', 7),
        ('float("1.5")', 1.5),
        ("float(2)", 2.0),
        ("str(2.0)", "2"),
        ("STR(1/4)", "0.25"),
        ("Str(TRUE)", "TRUE"),
        ("FLOAT(2.675,2)", "2.68"),
        ("FLOAT(1)", "1.000"),
        ("Float(1.5)", "1.500"),  # any case but lowercase is Excel's FLOAT
        ("FLOAT(-0.0001,3)", "0.000"),
        ("FLOAT(1234.5,0)", "1235"),
        ('FLOAT("1.25",1)', "1.3"),
        ("FLOAT(1E+20,2)", "100000000000000000000.00"),
    ],
)
def test_functions(source, expected):
    result = evaluate(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("RAIZ(-1)", NUM),
        ("SUMA(1,1/0)", DIV0),
        ('ABS("x")', VALUE),
        ("FLOAT(1,16)", VALUE),
        ("FLOAT(1,-1)", VALUE),
        ("str(1/0)", DIV0),
        ("MAX(1,SQRT(-1))", NUM),
        ("ROUND(1/0,2)", DIV0),
        ("SUMA(1E+308,1E+308)", NUM),
    ],
)
def test_functions_give_error_values(source, error):
    assert evaluate(source) is error


# --- Errors as values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("1/0", DIV0),
        ("1/0+1", DIV0),
        ("1+1/0", DIV0),
        ('"a"+1', VALUE),
        ('("a"+1)+(1/0)', VALUE),  # the first problem from the left decides
        ('(1/0)&"x"', DIV0),
        ("-(1/0)", DIV0),
        ("(1/0)=1", DIV0),
        ("1<(1/0)", DIV0),
        ("NO(1/0)", DIV0),
        ("0^0", NUM),
        ("0^-1", DIV0),
        ("(-8)^(1/3)", NUM),
        ("10^308*10", NUM),
        ("9^9^9^9", NUM),
        ("1E+308+1E+308", NUM),
        ("-1E+308-1E+308", NUM),
    ],
)
def test_errors_are_values_that_propagate(source, error):
    assert evaluate(source) is error


def test_whole_powers_stay_exact_and_large_ones_are_bounded():
    assert evaluate("(-2)^3") == -8
    assert evaluate("2^52") == 2**52
    assert evaluate("9^9^9") == pytest.approx(387420489.0**9)
    assert math.isfinite(evaluate("10^308"))


def test_an_error_value_read_from_an_input_propagates():
    context = {"eg": {"A": {"fill": DIV0}}}
    assert evaluate("eg.A.fill+1", context) is DIV0
    assert evaluate("SI(eg.A.fill=1,2,3)", context) is DIV0
    assert evaluate("SI(1,eg.A.fill,3)", context) is DIV0


def test_texts_are_bounded_at_ten_thousand_characters():
    long = "x" * 6_000
    context = {"eg": {"A": {"text": long}}}
    assert evaluate("eg.A.text&eg.A.text", context) is VALUE
    assert evaluate('eg.A.text&"y"', context) == long + "y"


def test_a_number_literal_beyond_the_range_is_a_limit_error():
    with pytest.raises(FormulaLimitError) as caught:
        compile_formula("1+1e309")
    assert caught.value.position == 2
    assert "1e309" in caught.value.message
