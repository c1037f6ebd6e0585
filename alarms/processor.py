"""Alarms inside the poller: the batch processor the alarms app registers with the poll core.

``configure(profile_id)`` (writer thread, between batches) reads the profile's definitions
and the alarms' conditions as stored, and makes a :class:`~alarms.detectors.Detector` per
definition. ``process(points, revision)`` (in the batch's transaction) feeds each changed
value to the detectors of its point, from memory: a batch that touches no alarmed point
costs one set comparison, and no value is read back from the database. Only when some
condition changes does it lock the alarms concerned (one query per batch) and store their
transitions, with the batch's revision and the field time of the causing value.

Replaying a batch is idempotent: a condition that is already active (or already clear) in
the stored alarm is no transition. If a batch's transaction does not commit, the detectors
are read again from the database before the next batch.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from alarms.detectors import Detector, Kind, Limit
from alarms.models import Alarm, AlarmDefinition, AlarmTransition
from alarms.states import Event
from alarms.transitions import apply, update_many
from poll.acquisition.batch import PointChange, from_micros

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Change:
    definition_id: int
    event: Event
    at: int
    value: float


class AlarmProcessor:
    """Evaluates the profile's alarm definitions on the values of each batch."""

    def __init__(self) -> None:
        self._profile_id: int | None = None
        self._detectors: dict[int, Detector] = {}  # definition id -> detector
        self._by_point: dict[int, list[int]] = {}  # point id -> definition ids
        self._watched: frozenset[int] = frozenset()
        self._committed = True

    def configure(self, profile_id: int) -> None:
        self._profile_id = profile_id
        self._load()

    def _load(self) -> None:
        profile_id = self._profile_id
        assert profile_id is not None  # configure() came first
        definitions = list(AlarmDefinition.objects.filter(profile_id=profile_id))
        for definition in definitions:
            Alarm.objects.get_or_create(definition=definition)
        active = dict(
            Alarm.objects.filter(definition__profile_id=profile_id).values_list(
                "definition_id", "active"
            )
        )
        self._detectors, self._by_point = {}, {}
        for definition in definitions:
            limit = Limit(
                Kind(definition.kind),
                definition.setpoint,
                definition.deadband,
                definition.on_delay_s,
                definition.off_delay_s,
            )
            self._detectors[definition.pk] = Detector(limit, active.get(definition.pk, False))
            self._by_point.setdefault(definition.point_id, []).append(definition.pk)
        self._watched = frozenset(self._by_point)
        self._committed = True
        log.info("alarms: %d definitions on %d points", len(definitions), len(self._watched))

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        if self._profile_id is None:
            return
        if not self._committed:
            self._load()
        if self._watched.isdisjoint(points):
            return
        changes = self._evaluate(points)
        if not changes:
            return
        self._committed = False
        transaction.on_commit(self._mark_committed)
        self._store(changes, revision)

    def _mark_committed(self) -> None:
        self._committed = True

    def _evaluate(self, points: Mapping[int, PointChange]) -> list[Change]:
        changes = []
        for point_id in self._watched.intersection(points):
            change = points[point_id]
            if change.value is None:
                continue
            for definition_id in self._by_point[point_id]:
                became = self._detectors[definition_id].feed(change.at, change.value)
                if became is not None:
                    event = Event.ACTIVATE if became else Event.CLEAR
                    changes.append(Change(definition_id, event, change.at, change.value))
        return changes

    def _store(self, changes: list[Change], revision: int) -> None:
        alarms = {
            alarm.definition_id: alarm
            for alarm in Alarm.objects.select_for_update()
            .select_related("definition__point")
            .filter(definition_id__in={c.definition_id for c in changes})
        }
        transitions: list[AlarmTransition] = []
        for change in changes:
            alarm = alarms[change.definition_id]
            transition = apply(
                alarm,
                change.event,
                time=from_micros(change.at),
                revision=revision,
                value=change.value,
            )
            if transition is not None:
                transitions.append(transition)
        changed = {t.alarm.pk: t.alarm for t in transitions}
        update_many(list(changed.values()))
        AlarmTransition.objects.bulk_create(transitions)
