"""Alarm formulas kept up to date with a batch's point changes, from memory.

The watch holds the value of every input its formulas read (read once from the points when
the processor loads its configuration) and which formulas read which point. A batch updates
the inputs it carries and evaluates only the formulas one of whose inputs changed: no
database read per value, and a batch that touches none of their points costs one set
comparison.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from alarms.conditions import truth
from formulas import CompiledFormula, Ref
from poll.acquisition.batch import PointChange

PointRow = tuple[int, str, str, Any, Any, Any]
"""``(id, kind, tag, value, q, escala)`` of a point as stored."""


class FormulaWatch:
    """Formulas by key (any hashable, e.g. ``(definition id, "suppress")``) and the truth
    of each as last evaluated."""

    def __init__(self, points: Iterable[PointRow]) -> None:
        self._keys: dict[int, tuple[str, str]] = {}
        self._inputs: dict[Ref, Any] = {}
        for pk, kind, tag, value, q, escala in points:
            self._keys[pk] = (kind, tag)
            self._inputs[Ref(kind, tag, "value")] = value
            if kind != "sv":
                self._inputs[Ref(kind, tag, "q")] = q
            if kind == "ai":
                self._inputs[Ref(kind, tag, "escala")] = escala
        self._formulas: dict[Hashable, CompiledFormula] = {}
        self._readers: dict[int, set[Hashable]] = {}  # point id -> formula keys
        self._dirty: set[Hashable] = set()  # evaluated at the next update
        self.watched: frozenset[int] = frozenset()

    def add(self, key: Hashable, formula: CompiledFormula) -> None:
        """Watch ``formula``; it is evaluated at the next :meth:`update` whatever changes."""
        self._formulas[key] = formula
        self._dirty.add(key)
        by_key = {key: pk for pk, key in self._keys.items()}
        for ref in formula.inputs:
            pk = by_key.get((ref.kind, ref.tag))
            if pk is not None:
                self._readers.setdefault(pk, set()).add(key)
        self.watched = frozenset(self._readers)

    @property
    def pending(self) -> bool:
        """Whether some formula waits for its first evaluation."""
        return bool(self._dirty)

    def update(
        self, points: Mapping[int, PointChange], now: int
    ) -> dict[Hashable, tuple[bool, int]]:
        """Take the batch's point changes; answer the truth of each formula evaluated (those
        reading a changed point, and the new ones) with the field time of the latest change
        it read (``now`` for a new formula no change reached). A formula whose result is an
        error value is left out: it changes nothing."""
        times: dict[Hashable, int] = dict.fromkeys(self._dirty, now)
        self._dirty = set()
        for pk in self.watched.intersection(points):
            change = points[pk]
            kind, tag = self._keys[pk]
            if change.value is not None:
                self._inputs[Ref(kind, tag, "value")] = change.value
            if change.q is not None and kind != "sv":
                self._inputs[Ref(kind, tag, "q")] = change.q
            for key in self._readers[pk]:
                times[key] = max(times.get(key, change.at), change.at)
        results = {}
        for key, at in times.items():
            result = truth(self._formulas[key].evaluate(self._inputs))
            if result is not None:
                results[key] = (result, at)
        return results
