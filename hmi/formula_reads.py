"""Which field points an element's formulas read, directly or through other elements.

An element is current only while every point behind it is current, and its tooltip lists
those points; both the poller and the console ask this one function.

Elements that read each other's attributes form a graph as large as the drawings: a chain
of a thousand elements, each reading the next, is a valid configuration. So the graph is
walked without recursion (Tarjan's strongly connected components, with an explicit stack):
elements that read each other in a loop read the same points, and a component's points
are its own plus those of the components it reads, which Tarjan's order finishes first.
Elements that add no point of their own share their source's set, so a long chain costs
one set, not one per element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from formulas import Ref

PointKey = tuple[str, str]
"""A field point as formulas name it: (kind, tag)."""

_NOTHING: frozenset[PointKey] = frozenset()


def points_read(
    tags: Iterable[str], inputs_of: Callable[[str], Iterable[Ref]]
) -> dict[str, frozenset[PointKey]]:
    """For each element of ``tags`` and every element they read, the points its formulas
    read, directly or through other elements' attributes. ``inputs_of(tag)`` gives what the
    formulas of element ``tag`` read; it is called once per element reached."""
    walk = _Walk(inputs_of)
    for tag in tags:
        if tag not in walk.index:
            walk.run(tag)
    return walk.points


class _Walk:
    def __init__(self, inputs_of: Callable[[str], Iterable[Ref]]) -> None:
        self._inputs_of = inputs_of
        self.index: dict[str, int] = {}
        self._low: dict[str, int] = {}
        self._own: dict[str, frozenset[PointKey]] = {}
        self._reads: dict[str, tuple[str, ...]] = {}
        self._stack: list[str] = []
        self._on_stack: set[str] = set()
        self.points: dict[str, frozenset[PointKey]] = {}

    def run(self, root: str) -> None:
        work: list[tuple[str, Iterator[str]]] = [(root, self._visit(root))]
        while work:
            tag, pending = work[-1]
            for other in pending:
                if other not in self.index:
                    work.append((other, self._visit(other)))
                    break
                if other in self._on_stack:
                    self._low[tag] = min(self._low[tag], self.index[other])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    self._low[parent] = min(self._low[parent], self._low[tag])
                if self._low[tag] == self.index[tag]:
                    self._close_component(tag)

    def _visit(self, tag: str) -> Iterator[str]:
        self.index[tag] = self._low[tag] = len(self.index)
        self._stack.append(tag)
        self._on_stack.add(tag)
        own: set[PointKey] = set()
        reads: dict[str, None] = {}
        for ref in self._inputs_of(tag):
            if ref.kind == "eg":
                reads[ref.tag] = None
            else:
                own.add((ref.kind, ref.tag))
        self._own[tag] = frozenset(own) if own else _NOTHING
        self._reads[tag] = tuple(reads)
        return iter(self._reads[tag])

    def _close_component(self, root: str) -> None:
        members = []
        while True:
            tag = self._stack.pop()
            self._on_stack.discard(tag)
            members.append(tag)
            if tag == root:
                break
        inside = set(members)
        parts = [self._own[tag] for tag in members]
        parts += [
            self.points[other]
            for tag in members
            for other in self._reads[tag]
            if other not in inside
        ]
        found = _union(parts)
        for tag in members:
            self.points[tag] = found


def _union(parts: list[frozenset[PointKey]]) -> frozenset[PointKey]:
    """The union, reusing a part when it is the only one that is not empty."""
    distinct = {id(part): part for part in parts if part}
    if not distinct:
        return _NOTHING
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    return frozenset().union(*distinct.values())
