"""Screen formulas inside the poller: a batch processor (``POLL_BATCH_PROCESSORS``).

The poller's writer calls ``process`` in each batch's transaction, after it has written
the changed points. The processor feeds those points to the incremental formula engine,
and writes the elements whose look changed (attributes, error, current) with the batch's
revision, so a screen sees a point and the colours it decides in the same revision.

It holds the active profile's formulas, and at most every ``SYNC_SECONDS`` compares them
with the database, so a formula edited in the admin or the API, or a screen imported, takes
effect at the next batch after that. An element is current when every point its formulas
read (directly or through other elements' attributes) is current.

If a batch's transaction does not commit, what the processor believed it wrote is
forgotten: the next batch reloads everything from the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from formulas.compiler import compile_formula
from formulas.engine import Engine
from formulas.errors import FormulaError
from formulas.names import Ref, Target
from formulas.values import FormulaErrorValue
from hmi.element_attributes import ATTRIBUTES, ElementLook, describe, element_look
from hmi.models import Formula, GraphicElement
from poll.models import Point, Profile

log = logging.getLogger(__name__)

SYNC_SECONDS = 1.0
PointKey = tuple[str, str]  # (kind, tag)


class FormulaProcessor:
    """Evaluates the active profile's screen formulas as point changes are written."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._profile: tuple[int, int] | None = None  # (id, configuration version)
        self._engine = Engine()
        self._sources: dict[Target, str] = {}
        self._inputs: dict[Target, frozenset[Ref]] = {}
        self._formula_ids: dict[Target, int] = {}
        self._elements: dict[str, int] = {}  # tag -> id
        self._looks: dict[str, ElementLook] = {}
        self._points: dict[int, PointKey] = {}
        self._point_current: dict[PointKey, bool] = {}
        self._reads: dict[str, frozenset[PointKey]] = {}  # element tag -> points it reads
        self._next_sync = 0.0
        self._committed = True

    def process(self, points: Mapping[int, Any], revision: int) -> None:
        """Add to the batch ``revision`` the element changes that ``points`` cause."""
        if not self._committed:
            self._profile = None  # the last batch rolled back: start again from the database
        self._committed = False
        transaction.on_commit(self._mark_committed)
        dirty = self._sync_if_due()
        if self._profile is None:
            return
        inputs: dict[Ref, Any] = {}
        currents: set[PointKey] = set()
        for change in points.values():
            key = self._points.get(change.point_id)
            if key is None:
                continue
            kind, tag = key
            if change.value is not None:
                inputs[Ref(kind, tag, "value")] = change.value
            if change.q is not None and kind != "sv":
                inputs[Ref(kind, tag, "q")] = change.q
            if self._point_current.get(key) != change.current:
                self._point_current[key] = change.current
                currents.add(key)
        changed = self._engine.update(inputs)
        dirty.update(target.tag for target in changed)
        dirty.update(tag for tag, reads in self._reads.items() if reads & currents)
        self._write(dirty, revision)

    # Loading and following the configuration

    def _sync_if_due(self) -> set[str]:
        """Element tags whose look may have changed by a configuration change."""
        now = self._clock()
        if self._profile is not None and now < self._next_sync:
            return set()
        self._next_sync = now + SYNC_SECONDS
        profile = Profile.objects.filter(active=True).values_list("pk", "config_version").first()
        if profile is None:
            self._profile = None
            return set()
        if self._profile != profile:  # another profile, or its points changed
            return self._load(profile)
        return self._follow_formulas(profile[0])

    def _load(self, profile: tuple[int, int]) -> set[str]:
        """Everything from the database: points, elements, formulas; every element dirty."""
        self._profile = profile
        self._engine = Engine()
        self._sources, self._inputs, self._formula_ids = {}, {}, {}
        self._elements, self._looks = {}, {}
        self._load_points(profile[0])
        self._follow_formulas(profile[0])
        log.info(
            "screen formulas: %d formulas on %d elements", len(self._sources), len(self._elements)
        )
        return set(self._elements)

    def _load_points(self, profile_id: int) -> None:
        self._points, self._point_current = {}, {}
        inputs: dict[Ref, Any] = {}
        rows = Point.objects.filter(profile_id=profile_id).values_list(
            "pk", "kind", "tag", "value", "q", "escala", "current"
        )
        for pk, kind, tag, value, q, escala, current in rows:
            self._points[pk] = (kind, tag)
            self._point_current[(kind, tag)] = current
            inputs[Ref(kind, tag, "value")] = value
            if kind != "sv":
                inputs[Ref(kind, tag, "q")] = q
            if kind == "ai":
                inputs[Ref(kind, tag, "escala")] = escala
        self._engine.set_inputs(inputs)

    def _follow_formulas(self, profile_id: int) -> set[str]:
        """Apply formula and element changes made since the last look; the tags touched."""
        rows = GraphicElement.objects.filter(profile_id=profile_id).values(
            "pk", "tag", *ElementLook.FIELDS
        )
        self._elements = {row["tag"]: row["pk"] for row in rows}
        added = {
            row["tag"]: ElementLook.from_row(row) for row in rows if row["tag"] not in self._looks
        }
        self._looks.update(added)
        # An attribute no formula drives reads as what the element holds.
        self._engine.set_inputs(
            {Ref("eg", tag, a): getattr(look, a) for tag, look in added.items() for a in ATTRIBUTES}
        )
        formulas = list(
            Formula.objects.filter(element__profile_id=profile_id).values_list(
                "pk", "element__tag", "attribute", "source"
            )
        )
        sources = {Target(tag, attribute): source for _, tag, attribute, source in formulas}
        self._formula_ids = {Target(tag, attribute): pk for pk, tag, attribute, _ in formulas}
        gone = self._sources.keys() - sources.keys()
        new = {t: s for t, s in sources.items() if self._sources.get(t) != s}
        if not gone and not new:
            return set(added)
        for target in gone:
            self._engine.remove_formula(target)
            self._inputs.pop(target, None)
        for target, source in new.items():
            self._inputs[target] = _inputs_of(source)
        problems = self._engine.load(new)
        for target, problem in problems.items():
            log.warning("formula %s not evaluated: %s", target, problem.message)
        self._sources = sources
        self._reads = self._points_read()
        return set(added) | {target.tag for target in (*gone, *new)}

    def _points_read(self) -> dict[str, frozenset[PointKey]]:
        """Per element, the points its formulas read, through other elements too."""
        direct: dict[str, set[Ref]] = {}
        for target, inputs in self._inputs.items():
            direct.setdefault(target.tag, set()).update(inputs)
        memo: dict[str, frozenset[PointKey]] = {}

        def points_of(tag: str, visiting: frozenset[str]) -> frozenset[PointKey]:
            if tag in memo:
                return memo[tag]
            found: set[PointKey] = set()
            for ref in direct.get(tag, ()):
                if ref.kind != "eg":
                    found.add((ref.kind, ref.tag))
                elif ref.tag not in visiting:
                    found |= points_of(ref.tag, visiting | {tag})
            memo[tag] = frozenset(found)
            return memo[tag]

        return {tag: points_of(tag, frozenset()) for tag in direct}

    # Writing

    def _write(self, tags: Iterable[str], revision: int) -> None:
        now = timezone.now()
        elements, formulas = [], []
        for tag in tags:
            pk = self._elements.get(tag)
            if pk is None:
                continue
            results = self._results(tag)
            current = all(self._point_current.get(p, False) for p in self._reads.get(tag, ()))
            look = element_look(results, current)
            if look == self._looks.get(tag):
                continue
            self._looks[tag] = look
            elements.append(GraphicElement(pk=pk, revision=revision, updated_at=now, **vars(look)))
            formulas.extend(self._formula_results(tag, results, now))
        if not elements:
            return
        GraphicElement.objects.bulk_update(
            elements, [*ElementLook.FIELDS, "revision", "updated_at"], batch_size=500
        )
        Formula.objects.bulk_update(
            formulas, ["last_value", "last_error", "evaluated_at"], batch_size=500
        )

    def _mark_committed(self) -> None:
        self._committed = True

    def _results(self, tag: str) -> dict[str, Any]:
        results = {}
        for attribute in ATTRIBUTES:
            target = Target(tag, attribute)
            if target in self._sources:
                problem = self._engine.last_error(target)
                results[attribute] = problem if problem is not None else self._engine.value(target)
        return results

    def _formula_results(self, tag: str, results: dict[str, Any], now: Any) -> list[Formula]:
        rows = []
        for attribute, value in results.items():
            pk = self._formula_ids.get(Target(tag, attribute))
            if pk is None:
                continue
            failed = isinstance(value, FormulaError | FormulaErrorValue)
            text = describe(value)
            rows.append(
                Formula(
                    pk=pk,
                    last_value="" if failed else text[:200],
                    last_error=text[:300] if failed else "",
                    evaluated_at=now,
                )
            )
        return rows


def _inputs_of(source: str) -> frozenset[Ref]:
    try:
        return compile_formula(source).inputs
    except FormulaError:
        return frozenset()
