"""What one write batch holds, and how batches are coalesced and serialised.

A batch is plain data: rows as named tuples, times as integer microseconds since the Unix
epoch in UTC (exact, compact in the journal, turned into ``datetime`` only when written).
The same batch is appended to the journal as JSON and applied to the database by the
writer, which may coalesce several into one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from poll.acquisition.modbus_batch import ModbusComEventRow, ModbusDeviceStatus

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def to_micros(when: datetime) -> int:
    """An aware ``datetime`` as integer microseconds since the epoch."""
    return (when - EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    """Integer microseconds since the epoch as an aware UTC ``datetime``."""
    return EPOCH + timedelta(microseconds=micros)


class PointChange(NamedTuple):
    """A point's new live state. ``value`` and ``q`` None: keep them, change only
    ``current`` (a COMaster went offline, or a reply did not cover the point)."""

    point_id: int
    value: float | None
    q: int | None
    current: bool
    at: int


class SampleRow(NamedTuple):
    point_id: int
    time: int
    value: float
    q: int


class EventRow(NamedTuple):
    profile_id: int
    comaster_id: int
    di_id: int | None
    ied_address: int
    port: int
    bit: int
    time: int | None
    value: int
    q: int
    raw: str
    dedup_key: str
    received_at: int


class EnergyRow(NamedTuple):
    profile_id: int
    comaster_id: int
    ai_id: int | None
    ied_address: int
    channel: int
    time: int | None
    code: int
    value: int
    q: int
    raw: str
    dedup_key: str
    received_at: int


class ComEventRow(NamedTuple):
    profile_id: int
    comaster_id: int
    ied_id: int | None
    source: str
    ied_address: int | None
    code: int
    reason: int
    text: str
    time: int | None
    raw: str
    dedup_key: str
    received_at: int


class ComasterStatus(NamedTuple):
    """A COMaster's communication state as the poller knows it. ``seq`` is the SEQ of
    the last reply stored (None before the first)."""

    comaster_id: int
    online: bool
    state_since: int | None
    last_poll_at: int | None
    last_error: str
    polls: int
    timeouts: int
    bad_frames: int
    events_received: int
    reconnects: int
    latency_ms: float | None
    seq: int | None


_ROW_TYPES: dict[str, Any] = {
    "points": PointChange,
    "samples": SampleRow,
    "events": EventRow,
    "energy": EnergyRow,
    "com_events": ComEventRow,
    "comasters": ComasterStatus,
    "modbus_devices": ModbusDeviceStatus,
    "modbus_com_events": ModbusComEventRow,
}


@dataclass
class WriteBatch:
    """Changes that are written together, in one transaction with one revision."""

    points: dict[int, PointChange] = field(default_factory=dict)
    samples: list[SampleRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    energy: list[EnergyRow] = field(default_factory=list)
    com_events: list[ComEventRow] = field(default_factory=list)
    comasters: dict[int, ComasterStatus] = field(default_factory=dict)
    modbus_devices: dict[int, ModbusDeviceStatus] = field(default_factory=dict)
    modbus_com_events: list[ModbusComEventRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(
            (self.points, self.samples, self.events, self.energy, self.com_events, self.comasters)
        ) or bool(self.modbus_devices or self.modbus_com_events)

    @property
    def record_count(self) -> int:
        """Events, energy records and communication events in the batch."""
        return (
            len(self.events) + len(self.energy) + len(self.com_events) + len(self.modbus_com_events)
        )

    def set_point(self, change: PointChange) -> None:
        """Record a point change that happened after those already in the batch."""
        earlier = self.points.get(change.point_id)
        if change.value is None and earlier is not None and earlier.value is not None:
            change = change._replace(value=earlier.value, q=earlier.q)
        self.points[change.point_id] = change

    def merge(self, later: WriteBatch) -> None:
        """Fold a later batch into this one: its point states and COMaster states win,
        its records are added."""
        for change in later.points.values():
            self.set_point(change)
        self.samples += later.samples
        self.events += later.events
        self.energy += later.energy
        self.com_events += later.com_events
        self.comasters.update(later.comasters)
        self.modbus_devices.update(later.modbus_devices)
        self.modbus_com_events += later.modbus_com_events

    def to_json(self) -> str:
        return json.dumps(
            {
                "points": list(self.points.values()),
                "samples": self.samples,
                "events": self.events,
                "energy": self.energy,
                "com_events": self.com_events,
                "comasters": list(self.comasters.values()),
                "modbus_devices": list(self.modbus_devices.values()),
                "modbus_com_events": self.modbus_com_events,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> WriteBatch:
        data = json.loads(text)
        rows = {
            name: [kind(*row) for row in data.get(name, ())] for name, kind in _ROW_TYPES.items()
        }
        return cls(
            points={row.point_id: row for row in rows["points"]},
            samples=rows["samples"],
            events=rows["events"],
            energy=rows["energy"],
            com_events=rows["com_events"],
            comasters={row.comaster_id: row for row in rows["comasters"]},
            modbus_devices={row.device_id: row for row in rows["modbus_devices"]},
            modbus_com_events=rows["modbus_com_events"],
        )


class BatchProcessor(Protocol):
    """Something that adds its own changes to a batch, in the batch's transaction.

    The writer calls every registered processor after it has written a batch's points,
    with the changed points and the batch's revision, inside the same transaction: what a
    processor writes carries that revision and commits (or not) with the batch. This is
    where screen formulas turn changed points into element-attribute changes.
    """

    def process(self, points: dict[int, PointChange], revision: int) -> None: ...
