"""Alarms inside the poller: the batch processor the alarms app registers with the poll core.

``configure(profile_id)`` (writer thread, between batches) reads the profile's definitions,
the alarms' conditions as stored and, when some definition has a formula, the points'
values once; it makes a :class:`~alarms.detectors.Detector` per definition, a
:class:`~alarms.formula_watch.FormulaWatch` of the condition and suppress formulas and a
:class:`~alarms.link_watch.LinkWatch` of the communication-loss alarms.

In the batch's transaction, ``process(points, revision)`` feeds each changed value to the
detectors of its point and the formulas that read it, and ``process_links(changes,
revision)`` the links' states and the IEDs' link events to the comm-loss detectors, all
from memory: a batch that touches nothing alarmed costs a set comparison, and no value is
read back from the database. The alarms' states are kept in memory too: when some condition
changes, the alarms concerned are stepped from that copy and stored in one revision-checked
statement (:func:`alarms.bulk.update`), their journal rows in another, with the batch's
revision and the field time of the cause. The few an operator changed meanwhile (the
statement answers them) are read again under a lock and stepped anew. The activations'
KPI counts are added in one more statement (alarms/counts.py).

Within a batch, suppression that begins is applied before the activations and clearings,
and suppression that ends after them: a feeder whose breaker opens as its current drops
goes straight to ``suppressed``, never annunciating the undercurrent.

Replaying a batch is idempotent: a condition that is already active (or already clear) in
the stored alarm is no transition. If a batch's transaction does not commit, everything is
read again from the database before the next batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from django.db import transaction

from alarms import bulk, counts
from alarms.bulk import AlarmRow
from alarms.conditions import LIMIT_KINDS, LINK_FIELDS, compile_condition, known_tags
from alarms.detectors import Detector, Kind, Limit
from alarms.formula_watch import FormulaWatch
from alarms.link_watch import LinkWatch
from alarms.models import Alarm, AlarmDefinition
from alarms.states import Event
from alarms.transitions import JournalRow, step_alarm
from formulas import FormulaError
from poll.acquisition.batch import PointChange, from_micros
from poll.acquisition.processors import LinkChanges
from poll.models import Point

log = logging.getLogger(__name__)

CONDITION, SUPPRESS = "condition", "suppress"
# Order of a batch's changes: suppression starts, then the process, then suppression ends.
_ORDER = {Event.SUPPRESS: 0, Event.ACTIVATE: 1, Event.CLEAR: 1, Event.UNSUPPRESS: 2}


@dataclass(frozen=True, slots=True)
class Change:
    definition_id: int
    event: Event
    at: int
    value: float | None


def _now() -> int:
    return int(time.time() * 1_000_000)


class AlarmProcessor:
    """Evaluates the profile's alarm definitions on the values and links of each batch."""

    def __init__(self) -> None:
        self._profile_id: int | None = None
        self._definitions: dict[int, AlarmDefinition] = {}
        self._alarm_ids: dict[int, int] = {}  # definition id -> alarm id
        self._alarms: dict[int, AlarmRow] = {}  # alarm id -> its fields as last stored
        self._recent: counts.Recent = {}  # alarm id -> its latest activations
        self._detectors: dict[int, Detector] = {}  # definition id -> detector
        self._suppressed: dict[int, bool] = {}  # definition id -> suppressed, as stored
        self._by_point: dict[int, list[int]] = {}  # point id -> limit definition ids
        self._limit_points: frozenset[int] = frozenset()
        self._watched: frozenset[int] = frozenset()
        self._formulas = FormulaWatch(())
        self._links = LinkWatch()
        self._committed = True
        self._batch_revision: int | None = None
        """The batch whose ``process`` made sure the copy is current: its ``process_links``
        (same savepoint) must not reload what ``process`` has just stored."""

    def configure(self, profile_id: int) -> None:
        self._profile_id = profile_id
        self._load()

    def _load(self) -> None:
        profile_id = self._profile_id
        assert profile_id is not None  # configure() came first
        definitions = list(
            AlarmDefinition.objects.filter(profile_id=profile_id).select_related("point")
        )
        having = set(
            Alarm.objects.filter(definition__profile_id=profile_id).values_list(
                "definition_id", flat=True
            )
        )
        missing = [Alarm(definition=d) for d in definitions if d.pk not in having]
        Alarm.objects.bulk_create(missing, ignore_conflicts=True)
        rows = Alarm.objects.filter(definition__profile_id=profile_id).values_list(
            "definition_id", "pk"
        )
        self._alarm_ids = dict(rows)
        self._alarms = bulk.read(self._alarm_ids.values())
        self._recent = counts.recent(Alarm.objects.filter(definition__profile_id=profile_id))
        stored = {
            definition_id: (alarm.active, alarm.suppressed)
            for definition_id, pk in self._alarm_ids.items()
            if (alarm := self._alarms.get(pk)) is not None
        }
        self._definitions = {d.pk: d for d in definitions}
        self._detectors, self._by_point, self._suppressed = {}, {}, {}
        self._links = LinkWatch()
        with_formulas = [d for d in definitions if d.condition or d.suppress_condition]
        self._formulas = FormulaWatch(self._point_rows(profile_id) if with_formulas else ())
        tags = known_tags(profile_id) if with_formulas else {}
        for definition in definitions:
            active, suppressed = stored.get(definition.pk, (False, False))
            self._suppressed[definition.pk] = suppressed
            self._detectors[definition.pk] = Detector(_limit(definition), active)
            if definition.kind in LIMIT_KINDS and definition.point_id is not None:
                self._by_point.setdefault(definition.point_id, []).append(definition.pk)
            for field in LINK_FIELDS:
                link_id = getattr(definition, f"{field}_id")
                if definition.kind != "comm_loss" or link_id is None:
                    continue
                self._links.add(definition.pk, field, link_id)
            self._watch(definition, CONDITION, definition.condition, tags)
            self._watch(definition, SUPPRESS, definition.suppress_condition, tags)
        self._limit_points = frozenset(self._by_point)
        self._watched = self._limit_points | self._formulas.watched
        self._committed = True
        log.info("alarms: %d definitions on %d points", len(definitions), len(self._watched))

    @staticmethod
    def _point_rows(profile_id: int) -> list[tuple[int, str, str, object, object, object]]:
        rows = Point.objects.filter(profile_id=profile_id).values_list(
            "pk", "kind", "tag", "value", "q", "escala"
        )
        return list(rows)

    def _watch(
        self, definition: AlarmDefinition, role: str, source: str, tags: dict[str, set[str]]
    ) -> None:
        if not source.strip() or (role == CONDITION and definition.kind != "condition"):
            return
        try:
            formula = compile_condition(source, tags)
        except FormulaError as error:  # saved before a point it reads was removed
            log.warning("alarm %s: %s formula not evaluated: %s", definition.tag, role, error)
            return
        self._formulas.add((definition.pk, role), formula)

    # The hooks

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        if self._profile_id is None:
            return
        if not self._committed:
            self._load()
        self._batch_revision = revision
        if self._watched.isdisjoint(points) and not self._formulas.pending:
            return
        self._record(self._evaluate(points), revision)

    def process_links(self, changes: LinkChanges, revision: int) -> None:
        if self._profile_id is None or not self._links:
            return
        if not self._committed and revision != self._batch_revision:
            self._load()
        found = []
        for definition_id, lost, at in self._links.lost(changes):
            when = at if at is not None else _now()
            became = self._detectors[definition_id].feed(when, 1.0 if lost else 0.0)
            if became is not None:
                event = Event.ACTIVATE if became else Event.CLEAR
                found.append(Change(definition_id, event, when, None))
        self._record(found, revision)

    def _record(self, changes: list[Change], revision: int) -> None:
        if not changes:
            return
        self._committed = False
        transaction.on_commit(self._mark_committed)
        changes.sort(key=lambda change: _ORDER[change.event])
        self._store(changes, revision)

    def _mark_committed(self) -> None:
        self._committed = True

    # Evaluating

    def _evaluate(self, points: Mapping[int, PointChange]) -> list[Change]:
        changes = []
        for point_id in self._limit_points.intersection(points):
            change = points[point_id]
            if change.value is None:
                continue
            for definition_id in self._by_point[point_id]:
                became = self._detectors[definition_id].feed(change.at, change.value)
                if became is not None:
                    event = Event.ACTIVATE if became else Event.CLEAR
                    changes.append(Change(definition_id, event, change.at, change.value))
        if self._formulas.watched.isdisjoint(points) and not self._formulas.pending:
            return changes
        latest = max((change.at for change in points.values()), default=None)
        results = self._formulas.update(points, latest if latest is not None else _now())
        for key, (true, at) in results.items():
            definition_id, role = cast(tuple[int, str], key)
            if role == SUPPRESS:
                if self._suppressed[definition_id] != true:
                    self._suppressed[definition_id] = true
                    event = Event.SUPPRESS if true else Event.UNSUPPRESS
                    changes.append(Change(definition_id, event, at, None))
                continue
            became = self._detectors[definition_id].feed(at, 1.0 if true else 0.0)
            if became is not None:
                event = Event.ACTIVATE if became else Event.CLEAR
                changes.append(Change(definition_id, event, at, None))
        return changes

    # Storing

    def _store(self, changes: list[Change], revision: int) -> None:
        """Step the alarms concerned from memory and store their states and journal rows;
        step again, from the database, those an operator changed meanwhile."""
        journal, stepped = self._step(changes, self._alarms, revision)
        missed = bulk.update(stepped)
        self._alarms.update((alarm.pk, alarm) for alarm in stepped if alarm.pk not in missed)
        if missed:
            fresh = bulk.read(missed, lock=True)
            ids = self._alarm_ids
            retry = [c for c in changes if ids.get(c.definition_id) in missed]
            again, restepped = self._step(retry, fresh, revision)
            bulk.update(restepped)  # under the lock: the revision is the one read
            journal = [row for row in journal if row.alarm_id not in missed] + again
            for pk in missed - fresh.keys():  # deleted meanwhile
                del self._alarms[pk]
            self._alarms.update(fresh)
            self._alarms.update((alarm.pk, alarm) for alarm in restepped)
        bulk.insert_journal(journal)
        counts.add(journal, self._recent)

    def _step(
        self, changes: list[Change], alarms: Mapping[int, AlarmRow], revision: int
    ) -> tuple[list[JournalRow], list[AlarmRow]]:
        """The journal rows of ``changes`` applied to copies of ``alarms``, and the copies
        changed."""
        ids, definitions = self._alarm_ids, self._definitions
        journal: list[JournalRow] = []
        changed: dict[int, AlarmRow] = {}
        for change in changes:
            stored = alarms.get(ids.get(change.definition_id, 0))
            if stored is None:  # its definition was deleted meanwhile
                continue
            alarm = changed.get(stored.pk) or stored.copy()
            row = step_alarm(
                alarm,
                definitions[change.definition_id],
                change.event,
                time=from_micros(change.at),
                revision=revision,
                value=change.value,
            )
            if row is not None:
                journal.append(row)
                changed[alarm.pk] = alarm
        return journal, list(changed.values())


def _limit(definition: AlarmDefinition) -> Limit:
    """The detector's rule: the definition's limit, or for a comm-loss or condition alarm
    a digital "1 is abnormal" fed with the condition (so their delays work alike)."""
    if definition.kind in LIMIT_KINDS:
        kind, setpoint, deadband = Kind(definition.kind), definition.setpoint, definition.deadband
    else:
        kind, setpoint, deadband = Kind.DIGITAL, 1.0, 0.0
    return Limit(kind, setpoint, deadband, definition.on_delay_s, definition.off_delay_s)
