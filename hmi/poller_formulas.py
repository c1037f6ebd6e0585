"""Screen formulas inside the poller: the batch processor hmi registers with the poll core.

``configure(profile_id)`` runs in the writer thread, outside any batch transaction, each
time the writer's configuration watcher reads a new configuration: at start and after
every change. Formula, element and screen edits bump the profile's configuration counter
as point edits do (hmi/signals.py), so an edit in the admin or the API, or a screen import,
takes effect at the first batch after the watcher's next look. It reads the points, the
elements and the formulas, and applies what changed to the incremental formula engine.

``process(points, revision)`` runs in each batch's transaction, after the points are
written. A batch that changes no point a formula reads costs one set comparison. Otherwise
the engine runs the formulas the changes affect, and the elements whose look changed are
written (attributes, error, current) with the batch's revision, so a screen sees a point
and the colours it decides in the same revision. An element is current when every point
its formulas read (directly or through other elements' attributes) is current.

Formula trouble never keeps a batch from being stored: ``process`` does not raise (but for
a lost database connection, which stops the whole batch anyway). If evaluating fails, the
elements the batch reaches are written as invalid (colour ``INVALID``, with the error); if
writing the elements fails (in a savepoint of its own), they are left as they were. Either
way the processor reloads from the database before the next batch.

If a batch's transaction does not commit, what the processor believed it wrote is
forgotten the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from formulas import Engine, Ref, Target
from hmi.element_attributes import (
    ATTRIBUTES,
    LAST_ERROR_MAX_LENGTH,
    ElementLook,
    clipped_error,
    element_look,
    result_fields,
)
from hmi.formula_reads import PointKey, points_read
from hmi.models import Formula, GraphicElement
from hmi.palette import INVALID
from poll.acquisition.batch import PointChange
from poll.models import Point

log = logging.getLogger(__name__)

_LOOK_COLUMNS = [*ElementLook.FIELDS, "revision", "updated_at"]
_RESULT_COLUMNS = ["last_value", "last_error", "evaluated_at"]
_CONNECTION_LOST = (OperationalError, InterfaceError)


class FormulaProcessor:
    """Evaluates the poller's profile's screen formulas as point changes are written."""

    def __init__(self) -> None:
        self._profile_id: int | None = None
        self._reset()
        self._committed = True  # the last batch that wrote committed
        self._stale = False  # loading or evaluating failed: reload before the next batch
        self._last_failure = ""

    def _reset(self) -> None:
        self._engine = Engine()
        self._sources: dict[Target, str] = {}
        self._formula_ids: dict[Target, int] = {}
        self._elements: dict[str, int] = {}  # tag -> id
        self._looks: dict[str, ElementLook] = {}  # as stored
        self._points: dict[int, PointKey] = {}
        self._point_current: dict[PointKey, bool] = {}
        self._reads: dict[str, frozenset[PointKey]] = {}  # element tag -> points behind it
        self._readers: dict[PointKey, set[str]] = {}  # point -> element tags it is behind
        self._watched: frozenset[int] = frozenset()  # ids of the points some element reads
        self._dirty: set[str] = set()  # element tags to look at in the next batch

    # The hook

    def configure(self, profile_id: int) -> None:
        """Follow the configuration of ``profile_id`` (writer thread, between batches)."""
        try:
            self._load(profile_id)
        except Exception as error:
            self._profile_id, self._stale = profile_id, True  # loaded again at the next batch
            if isinstance(error, _CONNECTION_LOST):
                raise
            log.exception("screen formulas: profile %d not loaded; trying again", profile_id)

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        """Add to the batch ``revision`` the element changes that ``points`` cause."""
        if self._profile_id is None:
            return
        try:
            if self._stale or not self._committed:
                self._load(self._profile_id)
            if not self._dirty and self._watched.isdisjoint(points):
                return
            self._committed = False
            transaction.on_commit(self._mark_committed)
            looks, failure = self._evaluate(points), ""
        except _CONNECTION_LOST:
            raise
        except Exception as error:
            failure = f"formulas not evaluated: {type(error).__name__}: {error}"
            looks = self._invalid(points, failure, error)
        try:
            self._write(looks, revision, failure)
        except _CONNECTION_LOST:
            raise
        except Exception:
            log.exception("screen formulas: element changes of batch %d not written", revision)
            self._stale = True

    def _mark_committed(self) -> None:
        self._committed = True

    # Loading and following the configuration

    def _load(self, profile_id: int) -> None:
        """Apply the database's points, elements and formulas; the elements whose look may
        have changed become dirty. Starts afresh after a failure or a rollback, when what
        the processor believes may differ from the database."""
        if profile_id != self._profile_id or self._stale or not self._committed:
            self._reset()
            self._profile_id = profile_id
        currency_changed = self._load_points(profile_id)
        self._dirty |= self._follow_elements(profile_id)
        self._dirty |= self._follow_formulas(profile_id)
        self._follow_reads()
        for key in currency_changed:
            self._dirty |= self._readers.get(key, set())
        self._committed, self._stale = True, False
        log.info(
            "screen formulas: %d formulas on %d elements", len(self._sources), len(self._elements)
        )

    def _load_points(self, profile_id: int) -> set[PointKey]:
        """Point ids, values and currency; the points whose currency is new or changed."""
        rows = Point.objects.filter(profile_id=profile_id).values_list(
            "pk", "kind", "tag", "value", "q", "escala", "current"
        )
        points: dict[int, PointKey] = {}
        inputs: dict[Ref, Any] = {}
        changed: set[PointKey] = set()
        for pk, kind, tag, value, q, escala, current in rows:
            key = points[pk] = (kind, tag)
            if self._point_current.get(key) != current:
                self._point_current[key] = current
                changed.add(key)
            inputs[Ref(kind, tag, "value")] = value
            if kind != "sv":
                inputs[Ref(kind, tag, "q")] = q
            if kind == "ai":
                inputs[Ref(kind, tag, "escala")] = escala
        self._points = points
        self._engine.set_inputs(inputs)
        return changed

    def _follow_elements(self, profile_id: int) -> set[str]:
        """The profile's elements; the tags of those new since the last look."""
        rows = GraphicElement.objects.filter(profile_id=profile_id).values(
            "pk", "tag", *ElementLook.FIELDS
        )
        self._elements = {row["tag"]: row["pk"] for row in rows}
        added = {
            row["tag"]: ElementLook.from_row(row) for row in rows if row["tag"] not in self._looks
        }
        self._looks = {tag: look for tag, look in self._looks.items() if tag in self._elements}
        self._looks.update(added)
        # An attribute no formula drives reads as what the element holds.
        self._engine.set_inputs(
            {Ref("eg", tag, a): getattr(look, a) for tag, look in added.items() for a in ATTRIBUTES}
        )
        return set(added)

    def _follow_formulas(self, profile_id: int) -> set[str]:
        """Apply the formulas added, changed or removed since the last look; their tags."""
        rows = Formula.objects.filter(element__profile_id=profile_id).values_list(
            "pk", "element__tag", "attribute", "source"
        )
        sources = {Target(tag, attribute): source for _, tag, attribute, source in rows}
        self._formula_ids = {Target(tag, attribute): pk for pk, tag, attribute, _ in rows}
        gone = self._sources.keys() - sources.keys()
        new = {t: s for t, s in sources.items() if self._sources.get(t) != s}
        for target in gone:
            self._engine.remove_formula(target)
        for target, problem in self._engine.load(new).items():
            log.warning("formula %s not evaluated: %s", target, problem.message)
        self._sources = sources
        return {target.tag for target in (*gone, *new)}

    def _follow_reads(self) -> None:
        """Which points are behind which elements (walked without recursion)."""
        inputs: dict[str, set[Ref]] = {}
        for target in self._sources:
            formula = self._engine.formula(target)
            inputs.setdefault(target.tag, set()).update(formula.inputs if formula else ())
        self._reads = points_read(inputs, lambda tag: inputs.get(tag, ()))
        readers: dict[PointKey, set[str]] = {}
        for tag, keys in self._reads.items():
            for key in keys:
                readers.setdefault(key, set()).add(tag)
        self._readers = readers
        self._watched = frozenset(pk for pk, key in self._points.items() if key in readers)

    # Evaluating

    def _evaluate(self, points: Mapping[int, PointChange]) -> dict[str, ElementLook]:
        """The new looks of the elements this batch (and the configuration) changed."""
        inputs: dict[Ref, Any] = {}
        dirty = self._dirty
        self._dirty = set()
        for change in points.values():
            key = self._points.get(change.point_id)
            if key is None or key not in self._readers:
                continue
            kind, tag = key
            if change.value is not None:
                inputs[Ref(kind, tag, "value")] = change.value
            if change.q is not None and kind != "sv":
                inputs[Ref(kind, tag, "q")] = change.q
            if self._point_current.get(key) != change.current:
                self._point_current[key] = change.current
                dirty |= self._readers[key]
        dirty.update(target.tag for target in self._engine.update(inputs))
        looks = {}
        for tag in dirty:
            if tag in self._elements:
                current = all(
                    self._point_current.get(key, False) for key in self._reads.get(tag, ())
                )
                looks[tag] = element_look(self._results(tag), current)
        return looks

    def _results(self, tag: str) -> dict[str, Any]:
        """Attribute -> value, or the error that stands for it, of ``tag``'s formulas."""
        results = {}
        for attribute in ATTRIBUTES:
            target = Target(tag, attribute)
            if target in self._sources:
                problem = self._engine.last_error(target)
                results[attribute] = problem if problem is not None else self._engine.value(target)
        return results

    def _invalid(
        self, points: Mapping[int, PointChange], message: str, error: Exception
    ) -> dict[str, ElementLook]:
        """Evaluating failed: the elements the batch reaches, marked invalid with why."""
        if message != self._last_failure:  # once, not at every batch
            log.error("screen formulas: %s", message, exc_info=error)
            self._last_failure = message
        tags = set(self._dirty)
        for point_id in points:
            tags |= self._readers.get(self._points.get(point_id, ("", "")), set())
        self._stale = True  # the engine missed this batch: start again from the database
        looks = {}
        for tag in tags & self._elements.keys():
            look = self._looks.get(tag, ElementLook())
            looks[tag] = replace(
                look,
                fill=INVALID if Target(tag, "fill") in self._sources else look.fill,
                stroke=INVALID if Target(tag, "stroke") in self._sources else look.stroke,
                error=clipped_error(message),
            )
        return looks

    # Writing

    def _write(self, looks: dict[str, ElementLook], revision: int, failure: str) -> None:
        """Store the looks that differ from what is stored, and their formulas' results
        (or ``failure`` as their error)."""
        now = timezone.now()
        changed = {tag: look for tag, look in looks.items() if look != self._looks.get(tag)}
        if not changed:
            return
        elements = [
            GraphicElement(pk=self._elements[tag], revision=revision, updated_at=now, **vars(look))
            for tag, look in changed.items()
        ]
        formulas = [
            Formula(pk=pk, last_value=value, last_error=error, evaluated_at=now)
            for tag, look in changed.items()
            for pk, (value, error) in self._formula_results(tag, failure).items()
        ]
        with transaction.atomic():  # a savepoint: a refusal here spares the batch
            GraphicElement.objects.bulk_update(elements, _LOOK_COLUMNS, batch_size=500)
            Formula.objects.bulk_update(formulas, _RESULT_COLUMNS, batch_size=500)
        self._looks.update(changed)

    def _formula_results(self, tag: str, failure: str) -> dict[int, tuple[str, str]]:
        """Formula id -> (last value, last error) for the formulas of ``tag``."""
        if failure:
            return {
                pk: ("", failure[:LAST_ERROR_MAX_LENGTH])
                for attribute in ATTRIBUTES
                if (pk := self._formula_ids.get(Target(tag, attribute))) is not None
            }
        results = {}
        for attribute, value in self._results(tag).items():
            pk = self._formula_ids.get(Target(tag, attribute))
            if pk is not None:
                results[pk] = result_fields(value)
        return results
