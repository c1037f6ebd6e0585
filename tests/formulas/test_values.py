"""Error values and the function registry."""

from __future__ import annotations

import copy

from formulas import DIV0, NUM, REF, VALUE, FormulaErrorValue
from formulas.functions import FUNCTIONS, find_function


def test_there_is_one_error_value_per_code():
    assert FormulaErrorValue("#DIV/0!") is DIV0
    assert copy.deepcopy(VALUE) is VALUE  # through __reduce__, as pickle
    assert [str(error) for error in (DIV0, VALUE, REF, NUM)] == [
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NUM!",
    ]
    assert DIV0.meaning == "division by zero"


def test_every_function_name_is_unique_and_found_in_any_case():
    names = [name.upper() for entry in FUNCTIONS if not entry.exact_case for name in entry.names]
    assert len(names) == len(set(names))
    exact = {name for entry in FUNCTIONS if entry.exact_case for name in entry.names}
    for entry in FUNCTIONS:
        for name in entry.names:
            assert find_function(name) is entry
            if not entry.exact_case:
                assert find_function(name.capitalize()) is entry
                if name.lower() not in exact:
                    assert find_function(name.lower()) is entry


def test_lowercase_int_and_float_are_the_conversions_other_cases_the_excel_functions():
    assert find_function("int").name == "int"
    assert find_function("Int").name == "ENTERO"
    assert find_function("float").name == "float"
    assert find_function("FLOAT").name == "FLOAT"
    assert find_function("nope") is None
