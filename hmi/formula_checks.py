"""Checking a formula before it is saved: syntax, names, limits and cycles.

Problems are raised as a ``ValidationError`` on the ``source`` field, written for an
engineer: what is wrong, where (character position and the text around it), and for syntax
errors what was expected there.

A check compiles the one formula being saved and looks for a cycle along what the other
formulas of its profile read, as stored with them (``Formula.inputs``), following only the
paths that start at the formula: the others are never compiled again, so saving one
formula costs the same in a profile of ten formulas or of ten thousand. This module knows
nothing of the models: ``hmi.models`` gives it the profile's names and graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from formulas import (
    CompiledFormula,
    CycleError,
    FormulaError,
    KnownTags,
    Ref,
    Target,
    compile_formula,
    cycle_closed_by,
    describe_problem,
)


def element_reads(inputs: Iterable[Ref]) -> frozenset[Ref]:
    """The element attributes (``eg`` names) among a formula's inputs: its graph edges."""
    return frozenset(ref for ref in inputs if ref.kind == "eg")


#: Rows of (element tag, attribute, stored inputs) of the formulas of one element tag, or
#: of every formula of the profile for ``None``.
FetchRows = Callable[[str | None], Iterable[tuple[str, str, str]]]


class StoredGraph:
    """What each formula of a profile reads of other elements, from the inputs stored with
    the formulas, fetched as a walk reaches them: checking a formula that reads only points
    fetches nothing. A walk that reaches many elements (a long chain) fetches the whole
    graph at once instead of one element after another."""

    FETCH_ONE_BY_ONE = 16

    def __init__(self, fetch: FetchRows) -> None:
        self._fetch = fetch
        self._reads: dict[Target, frozenset[Ref]] = {}
        self._fetched: set[str] = set()
        self._complete = False

    def fetch_all(self) -> None:
        """Read the whole graph now (a caller about to check many formulas)."""
        self._reads.update(reads_from_rows(self._fetch(None)))
        self._complete = True

    def reads(self, target: Target) -> frozenset[Ref]:
        """The element attributes the formula driving ``target`` reads."""
        if not self._complete and target.tag not in self._fetched:
            if len(self._fetched) >= self.FETCH_ONE_BY_ONE:
                self.fetch_all()
            else:
                self._fetched.add(target.tag)
                self._reads.update(reads_from_rows(self._fetch(target.tag)))
        return self._reads.get(target, frozenset())

    def set(self, target: Target, inputs: Iterable[Ref]) -> None:
        """Record that ``target``'s formula now reads ``inputs``."""
        self._reads[target] = element_reads(inputs)


@dataclass
class ProfileFormulas:
    """What checking a formula needs of its profile.

    ``known_tags`` are the tags that exist per kind (a mapping whose containers may look
    each name up in the database); ``graph`` what the profile's formulas read. A caller
    that saves many formulas keeps one and records each saved formula in its graph.
    """

    known_tags: KnownTags
    graph: StoredGraph

    def check(self, target: Target, source: str) -> CompiledFormula:
        """Compile ``source`` to drive ``target``; a ``ValidationError`` on ``source`` if
        it does not compile or would read its own result."""
        try:
            compiled = compile_formula(source, self.known_tags)
        except FormulaError as exc:
            raise ValidationError({"source": describe_problem(source, exc)}) from exc
        cycle = cycle_closed_by(target, compiled.inputs, self.graph.reads)
        if cycle:
            raise ValidationError({"source": CycleError(cycle).message})
        return compiled


def reads_from_rows(rows: Iterable[tuple[str, str, str]]) -> dict[Target, frozenset[Ref]]:
    """The graph from stored rows of (element tag, attribute, stored inputs)."""
    return {
        Target(tag, attribute): element_reads(parse_inputs(text)) for tag, attribute, text in rows
    }


def format_inputs(inputs: Iterable[Ref]) -> str:
    """A formula's inputs as stored with it: ``kind.TAG.attr`` names, sorted, one space apart."""
    return " ".join(sorted(str(ref) for ref in inputs))


def parse_inputs(text: str) -> frozenset[Ref]:
    """The inverse of ``format_inputs``."""
    refs = set()
    for name in text.split():
        kind, tag, attr = name.split(".")
        refs.add(Ref(kind, tag, attr))
    return frozenset(refs)
