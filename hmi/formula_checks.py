"""Checking a formula before it is saved: syntax, names, limits and cycles.

Problems are raised as a ``ValidationError`` on the ``source`` field, written for an
engineer: what is wrong, where (character position and the text around it), and for syntax
errors what was expected there.

A check compiles the one formula being saved and looks for a cycle along what the other
formulas of its profile read, as stored with them (``Formula.inputs``): the others are never
compiled again, so saving one formula costs the same in a profile of ten formulas or of
ten thousand. This module knows nothing of the models: ``hmi.models`` gives it the
profile's names and graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from formulas import (
    CompiledFormula,
    CycleError,
    FormulaError,
    FormulaSyntaxError,
    KnownTags,
    Ref,
    Target,
    compile_formula,
    cycle_closed_by,
)


def describe_problem(source: str, error: FormulaError) -> str:
    """One readable message: the problem, its place with a pointer, what was expected."""
    message = error.message
    if error.position is not None:
        start = max(0, error.position - 20)
        snippet = source[start : error.position + 20].replace("\n", " ")
        pointer = " " * (error.position - start) + "^"
        message = f"{message} (at character {error.position + 1}: «{snippet}» / «{pointer}»)"
    if isinstance(error, FormulaSyntaxError) and error.expected:
        message = f"{message}; expected {error.expected}"
    return message


def element_reads(inputs: Iterable[Ref]) -> frozenset[Ref]:
    """The element attributes (``eg`` names) among a formula's inputs: its graph edges."""
    return frozenset(ref for ref in inputs if ref.kind == "eg")


@dataclass
class ProfileFormulas:
    """What checking a formula needs of its profile.

    ``known_tags`` are the tags that exist per kind (a mapping whose containers may look
    each name up in the database); ``reads`` holds, per formula of the profile, the element
    attributes it reads. A caller that saves many formulas keeps one and ``add``s each
    saved formula, so the graph is read once.
    """

    known_tags: KnownTags
    reads: dict[Target, frozenset[Ref]]

    def check(self, target: Target, source: str) -> CompiledFormula:
        """Compile ``source`` to drive ``target``; a ``ValidationError`` on ``source`` if
        it does not compile or would read its own result."""
        try:
            compiled = compile_formula(source, self.known_tags)
        except FormulaError as exc:
            raise ValidationError({"source": describe_problem(source, exc)}) from exc
        cycle = cycle_closed_by(target, compiled.inputs, self.reads)
        if cycle:
            raise ValidationError({"source": CycleError(cycle).message})
        return compiled

    def add(self, target: Target, inputs: Iterable[Ref]) -> None:
        """Record that ``target``'s formula now reads ``inputs``."""
        self.reads[target] = element_reads(inputs)


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
