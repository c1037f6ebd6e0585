"""Which formula reads what, kept free of cycles, in an order that respects it.

Each formula drives one element attribute (`Target`) and reads inputs (`Ref`); when it
reads `eg.TAG.attr` it reads the output of the formula keyed `Target(TAG, attr)`, if any.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping

from formulas.errors import CycleError
from formulas.names import Ref, Target


def _target_of(ref: Ref) -> Target | None:
    return Target(ref.tag, ref.attr) if ref.kind == "eg" else None


class DependencyGraph:
    """The formulas' inputs, their readers, and a topological rank, all kept acyclic."""

    def __init__(self) -> None:
        self._inputs: dict[Target, frozenset[Ref]] = {}
        self._readers: dict[Ref, set[Target]] = {}
        self._ranks: dict[Target, int] | None = None

    def __contains__(self, target: object) -> bool:
        return target in self._inputs

    def __iter__(self) -> Iterator[Target]:
        return iter(self._inputs)

    def __len__(self) -> int:
        return len(self._inputs)

    def inputs(self, target: Target) -> frozenset[Ref]:
        return self._inputs[target]

    def find_cycle(self, target: Target, inputs: frozenset[Ref]) -> tuple[Target, ...] | None:
        """The shortest cycle that giving `target` these inputs would close, or None."""
        return cycle_closed_by(target, inputs, lambda node: self._inputs.get(node, frozenset()))

    def set(self, target: Target, inputs: frozenset[Ref]) -> None:
        """Make `target` read `inputs`; a `CycleError` leaves the graph as it was."""
        cycle = self.find_cycle(target, inputs)
        if cycle:
            raise CycleError(cycle)
        self._set_unchecked(target, inputs)

    def set_many(self, inputs_by_target: Mapping[Target, frozenset[Ref]]) -> None:
        """Add several formulas known (by `find_cycles`) to close no cycle."""
        for target, inputs in inputs_by_target.items():
            self._set_unchecked(target, inputs)

    def _set_unchecked(self, target: Target, inputs: frozenset[Ref]) -> None:
        self.remove(target)
        self._inputs[target] = inputs
        for ref in inputs:
            self._readers.setdefault(ref, set()).add(target)
        self._ranks = None

    def remove(self, target: Target) -> None:
        for ref in self._inputs.pop(target, ()):
            readers = self._readers[ref]
            readers.discard(target)
            if not readers:
                del self._readers[ref]
        self._ranks = None

    def ranks(self) -> dict[Target, int]:
        """Each formula's position in an order where a formula comes after those whose
        output it reads."""
        if self._ranks is None:
            self._ranks = {target: rank for rank, target in enumerate(self._topological())}
        return self._ranks

    def _topological(self) -> list[Target]:
        waiting = {
            target: sum(1 for ref in inputs if _target_of(ref) in self._inputs)
            for target, inputs in self._inputs.items()
        }
        ready = deque(target for target, count in waiting.items() if count == 0)
        order = []
        while ready:
            target = ready.popleft()
            order.append(target)
            for reader in self._readers.get(target.ref, ()):
                waiting[reader] -= 1
                if waiting[reader] == 0:
                    ready.append(reader)
        return order

    def affected(self, refs: Iterable[Ref]) -> list[Target]:
        """Every formula that reads one of `refs`, directly or through other formulas'
        outputs, in topological order."""
        found: set[Target] = set()
        pending = list(refs)
        while pending:
            for reader in self._readers.get(pending.pop(), ()):
                if reader not in found:
                    found.add(reader)
                    pending.append(reader.ref)
        ranks = self.ranks()
        return sorted(found, key=ranks.__getitem__)


def cycle_closed_by(
    target: Target, inputs: frozenset[Ref], inputs_of: Callable[[Target], frozenset[Ref]]
) -> tuple[Target, ...] | None:
    """The shortest cycle that giving `target` these `inputs` would close among the other
    formulas, whose inputs `inputs_of` gives (empty for an attribute no formula drives),
    or None. Only the formulas on paths from `target` are asked for, so checking one
    formula against a large set costs what its paths cost."""
    return _cycle_through(target, lambda node: inputs if node == target else inputs_of(node))


def find_cycles(inputs_by_target: Mapping[Target, frozenset[Ref]]) -> dict[Target, CycleError]:
    """For every formula that lies on a cycle, a `CycleError` naming one cycle through it."""
    readers: dict[Target, list[Target]] = {target: [] for target in inputs_by_target}
    waiting: dict[Target, int] = {}
    for target, inputs in inputs_by_target.items():
        sources = {Target(ref.tag, ref.attr) for ref in inputs if ref.kind == "eg"} & readers.keys()
        waiting[target] = len(sources)
        for source in sources:
            readers[source].append(target)
    ready = [target for target, count in waiting.items() if count == 0]
    while ready:
        for reader in readers[ready.pop()]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                ready.append(reader)
    # What is left lies on a cycle or reads from one.
    suspects = {target for target, count in waiting.items() if count}
    cycles = {}
    for target in suspects:
        cycle = _cycle_through(
            target, lambda node: inputs_by_target[node] if node in suspects else frozenset()
        )
        if cycle:
            cycles[target] = CycleError(cycle)
    return cycles


def _cycle_through(
    start: Target, inputs_of: Callable[[Target], frozenset[Ref]]
) -> tuple[Target, ...] | None:
    """The shortest path from `start` back to itself along "reads the output of"."""
    came_from: dict[Target, Target] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for ref in inputs_of(node):
            source = _target_of(ref)
            if source is None:
                continue
            if source == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return (*reversed(path), start)
            if source not in came_from and inputs_of(source):
                came_from[source] = node
                queue.append(source)
    return None
