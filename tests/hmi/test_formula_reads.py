"""The points behind elements: through other elements, around loops, down long chains."""

from __future__ import annotations

from formulas import Ref
from hmi.formula_reads import points_read


def reader(graph: dict[str, list[str]]):
    """``inputs_of`` for names written ``eg.TAG.fill`` or ``di.TAG.value``, counting calls."""
    calls: list[str] = []

    def inputs_of(tag: str) -> list[Ref]:
        calls.append(tag)
        return [Ref(*name.split(".")) for name in graph.get(tag, ())]

    return inputs_of, calls


def test_points_are_found_through_other_elements():
    inputs_of, calls = reader(
        {
            "A": ["di.D1.value", "eg.B.fill", "eg.C.text"],
            "B": ["ai.A1.value", "ai.A1.q"],
            "C": ["eg.B.fill", "sv.S1.value"],
        }
    )
    found = points_read(["A"], inputs_of)
    assert found["A"] == {("di", "D1"), ("ai", "A1"), ("sv", "S1")}
    assert found["C"] == {("ai", "A1"), ("sv", "S1")}
    assert sorted(calls) == ["A", "B", "C"], "each element is asked once"


def test_elements_that_read_each_other_read_the_same_points():
    inputs_of, _ = reader(
        {
            "A": ["eg.B.text", "di.D1.value"],
            "B": ["eg.A.fill", "eg.C.fill"],
            "C": ["ai.A1.value"],
            "D": ["eg.A.fill"],
        }
    )
    found = points_read(["D", "C"], inputs_of)
    assert found["A"] == found["B"] == found["D"] == {("di", "D1"), ("ai", "A1")}
    assert found["C"] == {("ai", "A1")}


def test_a_chain_longer_than_the_recursion_limit_is_walked_and_shares_one_set():
    length = 100_000
    graph = {f"E{i}": [f"eg.E{i + 1}.fill"] for i in range(length)}
    graph[f"E{length}"] = ["di.D1.value"]
    inputs_of, _ = reader(graph)
    found = points_read(graph, inputs_of)
    assert found["E0"] == {("di", "D1")}
    assert found["E0"] is found[f"E{length // 2}"], "one set for the whole chain"


def test_an_element_without_formulas_reads_nothing():
    inputs_of, _ = reader({"A": ["eg.GONE.fill"]})
    assert points_read(["A"], inputs_of) == {"A": frozenset(), "GONE": frozenset()}
