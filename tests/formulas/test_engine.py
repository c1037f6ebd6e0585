"""The incremental engine: dependency order, cycles, static values, errors, and incremental
results that always equal a full re-evaluation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formulas import (
    DIV0,
    NUM,
    REF,
    VALUE,
    CycleError,
    Engine,
    FormulaNameError,
    FormulaSyntaxError,
    Ref,
    Target,
    compile_formula,
    validate_formulas,
)

BREAKER = Ref("di", "D1", "value")
E1_FILL, E2_STROKE, E3_TEXT = Target("E1", "fill"), Target("E2", "stroke"), Target("E3", "text")


@pytest.fixture
def chain() -> Engine:
    """E1.fill from a DI, E2.stroke from E1.fill, E3.text from E2.stroke."""
    engine = Engine()
    engine.set_formula(E3_TEXT, 'eg.E2.stroke&" kV"')
    engine.set_formula(E2_STROKE, "eg.E1.fill*10")
    engine.set_formula(E1_FILL, "SI(di.D1.value,1,2)")
    engine.set_inputs({BREAKER: 1})
    return engine


def test_a_full_evaluation_follows_dependencies(chain):
    assert chain.evaluate_all() == {E1_FILL: 1, E2_STROKE: 10, E3_TEXT: "10 kV"}


def test_a_change_propagates_down_the_chain_in_order(chain):
    chain.evaluate_all()
    changes = chain.update({BREAKER: 0})
    assert list(changes.items()) == [(E1_FILL, 2), (E2_STROKE, 20), (E3_TEXT, "20 kV")]
    assert chain.value(E3_TEXT) == "20 kV"


def test_an_update_reports_only_what_changed(chain):
    chain.evaluate_all()
    assert chain.update({BREAKER: 1}) == {}
    assert chain.update({Ref("di", "OTHER", "value"): 1}) == {}
    chain.set_formula(E2_STROKE, "eg.E1.fill*10+0")
    assert chain.update({}) == {}


def test_a_value_of_another_type_is_a_change(chain):
    chain.evaluate_all()
    chain.set_formula(E1_FILL, "SI(di.D1.value,1.0,2)")
    assert chain.update({}) == {E1_FILL: 1.0, E2_STROKE: 10.0}
    assert type(chain.value(E1_FILL)) is float


def test_a_cycle_is_rejected_with_its_path_and_the_engine_is_unchanged(chain):
    before = chain.evaluate_all()
    with pytest.raises(CycleError) as caught:
        chain.set_formula(E1_FILL, 'SI(eg.E3.text="10 kV",1,2)')
    assert caught.value.kind == "cycle"
    assert caught.value.message == "circular reference: E1.fill -> E3.text -> E2.stroke -> E1.fill"
    assert caught.value.cycle == (E1_FILL, E3_TEXT, E2_STROKE, E1_FILL)
    assert chain.formula(E1_FILL).source == "SI(di.D1.value,1,2)"
    assert chain.evaluate_all() == before


def test_a_formula_cannot_read_its_own_result():
    with pytest.raises(CycleError, match=r"E1\.fill -> E1\.fill"):
        Engine().set_formula(E1_FILL, "eg.E1.fill+1")


def test_reading_another_attribute_of_the_same_element_is_no_cycle():
    engine = Engine()
    engine.set_formula(E1_FILL, "eg.E1.stroke+1")
    engine.set_formula(Target("E1", "stroke"), "2")
    assert engine.evaluate_all() == {Target("E1", "stroke"): 2, E1_FILL: 3}


def test_a_syntax_error_leaves_the_engine_unchanged(chain):
    with pytest.raises(FormulaSyntaxError):
        chain.set_formula(E1_FILL, "SI(")
    assert chain.formula(E1_FILL).source == "SI(di.D1.value,1,2)"


def test_known_tags_are_checked():
    engine = Engine(known_tags={"di": {"D1"}, "eg": {"E1"}})
    engine.set_formula(E1_FILL, "di.D1.value")
    with pytest.raises(FormulaNameError, match="di.D2"):
        engine.set_formula(E1_FILL, "di.D2.value")


def test_an_undriven_attribute_reads_its_static_value():
    engine = Engine()
    engine.set_formula(E2_STROKE, "eg.S.fill+1")
    assert engine.evaluate_all() == {E2_STROKE: REF}
    engine.set_inputs({Ref("eg", "S", "fill"): 4})
    assert engine.update({}) == {E2_STROKE: 5}
    assert engine.update({Ref("eg", "S", "fill"): 6}) == {E2_STROKE: 7}


def test_a_static_value_waits_while_a_formula_drives_the_attribute(chain):
    chain.evaluate_all()
    assert chain.update({E1_FILL.ref: 7}) == {}
    assert chain.value(E1_FILL) == 1
    chain.remove_formula(E1_FILL)
    assert chain.update({}) == {E1_FILL: 7, E2_STROKE: 70, E3_TEXT: "70 kV"}


def test_removing_a_formula_without_a_static_value_leaves_readers_with_ref(chain):
    chain.evaluate_all()
    chain.remove_formula(E1_FILL)
    assert chain.update({}) == {E1_FILL: None, E2_STROKE: REF, E3_TEXT: REF}
    assert chain.last_error(E2_STROKE) is REF
    assert chain.targets == {E2_STROKE, E3_TEXT}
    chain.remove_formula(E1_FILL)  # removing twice is harmless


def test_errors_report_the_last_error_value_of_each_formula(chain):
    chain.set_formula(E1_FILL, "1/di.D1.value")
    chain.set_inputs({BREAKER: 0})
    chain.evaluate_all()
    assert chain.errors() == {E1_FILL: DIV0, E2_STROKE: DIV0, E3_TEXT: DIV0}
    chain.update({BREAKER: 4})
    assert chain.errors() == {}
    assert chain.last_error(E1_FILL) is None


def test_an_input_out_of_range_reads_as_num():
    engine = Engine()
    engine.set_formula(E1_FILL, "ai.A.value")
    engine.set_inputs({Ref("ai", "A", "value"): float("nan")})
    assert engine.evaluate_all() == {E1_FILL: NUM}
    assert engine.update({Ref("ai", "A", "value"): float("inf")}) == {}
    assert engine.update({Ref("ai", "A", "value"): 1.5}) == {E1_FILL: 1.5}


def test_texts_doubling_down_a_chain_stop_at_the_limit():
    engine = Engine()
    engine.set_formula(Target("T0", "text"), '"' + "x" * 100 + '"')
    for n in range(1, 12):
        engine.set_formula(Target(f"T{n}", "text"), f"eg.T{n - 1}.text&eg.T{n - 1}.text")
    values = engine.evaluate_all()
    assert len(values[Target("T6", "text")]) == 6_400
    assert values[Target("T7", "text")] is VALUE
    assert values[Target("T11", "text")] is VALUE


def test_load_installs_what_it_can_and_reports_the_rest():
    engine = Engine()
    problems = engine.load(
        {
            Target("A", "fill"): "eg.B.fill",
            Target("B", "fill"): "eg.A.fill",
            Target("C", "fill"): "1+",
            Target("D", "fill"): "di.X.value*2",
            Target("E", "fill"): "eg.A.fill",
        }
    )
    assert set(problems) == {Target("A", "fill"), Target("B", "fill"), Target("C", "fill")}
    assert "A.fill -> B.fill -> A.fill" in problems[Target("A", "fill")].message
    assert engine.targets == {Target("D", "fill"), Target("E", "fill")}
    assert engine.last_error(Target("C", "fill")) is problems[Target("C", "fill")]
    engine.set_inputs({Ref("di", "X", "value"): 2})
    assert engine.evaluate_all() == {Target("D", "fill"): 4, Target("E", "fill"): REF}
    engine.set_formula(Target("C", "fill"), "3")
    assert engine.last_error(Target("C", "fill")) is None


def test_load_rejects_a_cycle_through_formulas_already_installed(chain):
    problems = chain.load({Target("E0", "mark"): "1", E1_FILL: "eg.E3.text"})
    assert list(problems) == [E1_FILL]
    assert isinstance(problems[E1_FILL], CycleError)
    assert E1_FILL not in chain.targets


def test_validate_formulas_names_every_cycle_and_problem():
    problems = validate_formulas(
        {
            Target("A", "fill"): "eg.B.fill",
            Target("B", "fill"): "eg.A.fill+eg.C.fill",
            Target("C", "fill"): "eg.B.fill",
            Target("D", "fill"): "eg.A.fill",
            Target("X", "text"): "SI(1,2",
        }
    )
    assert {target.tag for target in problems} == {"A", "B", "C", "X"}
    assert problems[Target("A", "fill")].message == "circular reference: A.fill -> B.fill -> A.fill"
    assert problems[Target("C", "fill")].message == "circular reference: C.fill -> B.fill -> C.fill"
    assert isinstance(problems[Target("X", "text")], FormulaSyntaxError)
    assert validate_formulas({Target("A", "fill"): "eg.B.fill", Target("B", "fill"): "1"}) == {}


def test_evaluation_never_raises():
    class Failing(dict):
        def __getitem__(self, key):
            raise RuntimeError("storage down")

    assert compile_formula("ai.X.value+1").evaluate(Failing()) is VALUE


# --- Incremental results equal a full re-evaluation -----------------------------------------

POINTS = [Ref("ai", f"P{n}", "value") for n in range(3)]
TARGETS = [Target(f"E{n}", attr) for n in range(4) for attr in ("fill", "text")]
STATICS = [target.ref for target in TARGETS] + [Ref("eg", "S", "stroke")]
TEMPLATES = [
    "ai.{p}.value+1",
    "SI(ai.{p}.value>0,eg.{e}.fill,2)",
    'eg.{e}.text&"x"',
    "eg.{e}.fill*2",
    "MAX(ai.{p}.value,eg.S.stroke)",
    "1/ai.{p}.value",
    "SI(eg.{e}.fill=eg.{f}.fill,ai.{p}.value,-1)",
    "str(ai.{p}.value)",
]
VALUES = st.none() | st.integers(-3, 3) | st.sampled_from([0.5, "1", "a", 2.0, True])
ELEMENT_TAGS = sorted({target.tag for target in TARGETS})

sources = st.builds(
    lambda template, p, e, f: template.format(p=p, e=e, f=f),
    st.sampled_from(TEMPLATES),
    st.sampled_from([ref.tag for ref in POINTS]),
    st.sampled_from(ELEMENT_TAGS),
    st.sampled_from(ELEMENT_TAGS),
)
changes = st.dictionaries(st.sampled_from(POINTS + STATICS), VALUES, max_size=3)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(TARGETS), sources),
        st.tuples(st.just("remove"), st.sampled_from(TARGETS)),
        st.tuples(st.just("update"), changes),
        st.tuples(st.just("inputs"), changes),
    ),
    max_size=25,
)


def same(left: Any, right: Any) -> bool:
    return type(left) is type(right) and left == right


def source_of(engine: Engine, target: Target) -> str:
    """The source of a formula the engine holds."""
    compiled = engine.formula(target)
    assert compiled is not None, target
    return compiled.source


def full_evaluation(formulas: dict[Target, str], inputs: dict[Ref, Any]) -> dict[Target, Any]:
    engine = Engine()
    assert engine.load(formulas) == {}
    engine.set_inputs(inputs)
    return engine.evaluate_all()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.dictionaries(st.sampled_from(TARGETS), sources), steps=operations)
def test_incremental_updates_equal_a_full_evaluation(
    start: dict[Target, str], steps: list[tuple[Any, ...]]
) -> None:
    engine = Engine()
    engine.load(start)
    formulas = {target: source_of(engine, target) for target in engine.targets}
    inputs: dict[Ref, Any] = {}
    shown = dict(engine.evaluate_all())  # what a screen would show from the reports
    for step in steps:
        if step[0] == "set":
            try:
                engine.set_formula(step[1], step[2])
            except CycleError:
                continue
            formulas[step[1]] = step[2]
        elif step[0] == "remove":
            engine.remove_formula(step[1])
            formulas.pop(step[1], None)
        else:
            inputs.update(step[1])
            # The caller shows the static values it sets on attributes no formula drives.
            for ref, value in step[1].items():
                if ref.kind == "eg" and Target(ref.tag, ref.attr) not in formulas:
                    shown[Target(ref.tag, ref.attr)] = value
            if step[0] == "inputs":
                engine.set_inputs(step[1])
                continue
            shown.update(engine.update(step[1]))
            expected = full_evaluation(formulas, inputs)
            for target in TARGETS:
                if target in formulas:
                    assert same(engine.value(target), expected[target]), target
                    assert same(shown[target], expected[target]), target
                else:
                    assert same(shown.get(target), engine.value(target)), target
