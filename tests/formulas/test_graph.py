"""The dependency graph at sizes users reach: long chains, and one formula checked
against a large set without touching the rest."""

from __future__ import annotations

from formulas import Engine, Ref, Target, cycle_closed_by


def chain(length: int) -> dict[Target, frozenset[Ref]]:
    """E0.fill reads E1.fill, ... E(length-1).fill reads a DI."""
    graph = {
        Target(f"E{i}", "fill"): frozenset({Ref("eg", f"E{i + 1}", "fill")}) for i in range(length)
    }
    graph[Target(f"E{length - 1}", "fill")] = frozenset({Ref("di", "D1", "value")})
    return graph


def test_a_formula_closing_a_long_chain_into_a_loop_is_named_with_the_loop():
    graph = chain(5_000)
    closing = frozenset({Ref("eg", "E0", "fill")})
    asked: list[Target] = []

    def inputs_of(target: Target) -> frozenset[Ref]:
        asked.append(target)
        return graph.get(target, frozenset())

    cycle = cycle_closed_by(Target("E4999", "fill"), closing, inputs_of)
    assert cycle is not None and len(cycle) == 5_001
    assert cycle[0] == cycle[-1] == Target("E4999", "fill")
    asked.clear()
    assert (
        cycle_closed_by(Target("OTHER", "fill"), frozenset({Ref("di", "D", "value")}), inputs_of)
        is None
    )
    assert asked == [], "a formula that reads no element needs nothing of the others"


def test_the_stored_inputs_of_the_checked_formula_are_not_used():
    graph = {Target("A", "fill"): frozenset({Ref("eg", "A", "text")})}
    assert cycle_closed_by(Target("A", "fill"), frozenset(), graph.__getitem__) is None


def test_the_engine_runs_a_chain_longer_than_the_recursion_limit():
    length = 1_500
    sources = {Target(f"E{i}", "fill"): f"eg.E{i + 1}.fill" for i in range(length - 1)}
    sources[Target(f"E{length - 1}", "fill")] = "SI(di.D1.value,1,2)"
    engine = Engine()
    assert engine.load(sources) == {}
    engine.update({Ref("di", "D1", "value"): 1})
    assert engine.value(Target("E0", "fill")) == 1
    changed = engine.update({Ref("di", "D1", "value"): 0})
    assert len(changed) == length and engine.value(Target("E0", "fill")) == 2
