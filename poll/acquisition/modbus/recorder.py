"""One Modbus device's client reports, turned into write batches and communication state.

:class:`ModbusRecorder` is the :class:`~protocols.modbus.client.ModbusSink` of one device.
Each answered read block becomes one batch: the points that changed, history samples,
alarm edges (a DI marked ``alarm`` going 0 -> 1 is stored as a time-stamped event) and
the device's state. An exception reply marks the points of the refused block not current
and is counted with its code; it never yields values. Counters that change without a
reply go out with the next batch or with the service's periodic status batch.

Point state (what changed since the last reply, deadband and maximum interval of the
history) is kept as for COMasters, by :class:`~poll.acquisition.point_states.PointStates`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from poll.acquisition.batch import EventRow, WriteBatch
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.modbus_batch import ModbusComEventRow, ModbusDeviceStatus
from poll.acquisition.modbus_config import ModbusDeviceConfig
from poll.acquisition.point_states import PointStates
from poll.acquisition.recorder import LINK_CODE, LINK_LOST, LINK_RESTORED
from protocols.modbus import ExceptionReply, Request, Value
from protocols.modbus.client import FailedTry

log = logging.getLogger(__name__)


class ModbusPointRole(NamedTuple):
    point_id: int
    is_di: bool
    inverted: bool
    deadband: float
    alarm: bool
    table: str
    address: int


class ModbusLayout:
    """Which point each tag of one device is, and how its value is stored."""

    def __init__(self, config: ModbusDeviceConfig) -> None:
        self.device_id = config.id
        self.profile_id = config.profile_id
        self.name = config.name
        self.unit = config.settings.unit
        self.by_tag = {
            point.tag: ModbusPointRole(
                point.id,
                point.kind == "di",
                point.inverted,
                point.deadband,
                point.alarm,
                point.table,
                point.address,
            )
            for point in config.points
        }
        self.point_ids = [role.point_id for role in self.by_tag.values()]


class ModbusMapper:
    """Decoded values of one device into point changes, samples and alarm edges."""

    def __init__(self, layout: ModbusLayout, sample_max_interval: float) -> None:
        self.layout = layout
        self.points = PointStates(sample_max_interval)

    def relayout(self, layout: ModbusLayout) -> None:
        """Take a new configuration; points that are gone are forgotten."""
        self.points.keep_only(set(layout.point_ids))
        self.layout = layout

    def forget(self) -> None:
        """Forget every point's state, so that the next read writes them all again."""
        self.points.clear()

    def mark_not_current(self, now: int, batch: WriteBatch) -> None:
        """Every point of the device is no longer current (it stopped answering)."""
        for point_id in self.layout.point_ids:
            self.points.lose(point_id, now, batch)

    def read_tags(self, values: Mapping[str, Value], now: int, batch: WriteBatch) -> int:
        """Changes, samples and alarm edges of one answered block; returns the edges."""
        layout = self.layout
        states = self.points.last
        edges = 0
        for tag, raw in values.items():
            role = layout.by_tag.get(tag)
            if role is None:
                continue
            if role.is_di:
                value = float(bool(raw) ^ role.inverted)
                before = states.get(role.point_id)
                if before != (value, 0, True):
                    self.points.set(role.point_id, value, 0, now, batch)
                    if role.alarm and value and before is not None and before[0] == 0.0:
                        batch.events.append(self._edge(role, now))
                        edges += 1
            else:
                value = float(raw)
                if states.get(role.point_id) != (value, 0, True):
                    self.points.set(role.point_id, value, 0, now, batch)
                self.points.sample(role.point_id, value, 0, role.deadband, now, batch)
        return edges

    def mark_tags_not_current(self, tags: Sequence[str], now: int, batch: WriteBatch) -> None:
        for tag in tags:
            role = self.layout.by_tag.get(tag)
            if role is not None:
                self.points.lose(role.point_id, now, batch)

    def _edge(self, role: ModbusPointRole, now: int) -> EventRow:
        layout = self.layout
        return EventRow(
            profile_id=layout.profile_id,
            comaster_id=None,  # type: ignore[arg-type]
            di_id=role.point_id,
            ied_address=layout.unit,
            port=0,
            bit=0,
            time=now,
            value=1,
            q=0,
            raw=f"{role.address:04x}",
            dedup_key=f"mb{layout.device_id}:{role.table}:{role.address}:{now}",
            received_at=now,
        )


class ModbusRecorder:
    """Counts, maps and journals what one Modbus device's client reports."""

    def __init__(
        self,
        mapper: ModbusMapper,
        status: ModbusDeviceStatus,
        append: Callable[[WriteBatch], None],
        metrics: PollerMetrics,
        wall_clock: Callable[[], int],
    ) -> None:
        self.mapper = mapper
        self.status = status
        self._append = append
        self._metrics = metrics
        self._now = wall_clock
        self._dirty = False

    @property
    def name(self) -> str:
        return self.mapper.layout.name

    @property
    def online(self) -> bool:
        return self.status.online

    # ModbusSink

    def link_up(self) -> None:
        log.debug("%s: connected", self.name)

    def values_received(self, values: Mapping[str, Value], latency: float) -> None:
        now = self._now()
        batch = WriteBatch()
        status = self._answered(now, batch)
        edges = self.mapper.read_tags(values, now, batch)
        self._journal(
            batch,
            status._replace(
                latency_ms=round(latency * 1000.0, 3),
                events_received=status.events_received + edges,
            ),
        )
        self._metrics.replies.inc()
        self._metrics.latency.observe(latency)

    def exception_reply(self, tags: Sequence[str], error: ExceptionReply) -> None:
        now = self._now()
        batch = WriteBatch()
        status = self._answered(now, batch)
        self.mapper.mark_tags_not_current(tags, now, batch)
        where = ", ".join(tags[:3]) + (", ..." if len(tags) > 3 else "")
        log.debug("%s: %s reading %s", self.name, error, where)
        self._journal(
            batch,
            status._replace(
                exceptions=status.exceptions + 1,
                last_error=f"exception {error.code} ({error.name}) reading {where}"[:300],
            ),
        )

    def cycle_completed(self, lateness: float, duration: float) -> None:
        self._count(polls=self.status.polls + 1)
        self._metrics.polls.inc()
        self._metrics.lateness.observe(max(lateness, 0.0))

    def try_failed(self, request: Request, attempt: int, why: FailedTry, detail: str) -> None:
        timeouts = self.status.timeouts + (why is FailedTry.TIMEOUT)
        self._count(timeouts=timeouts, last_error=f"{why.value}: {detail}"[:300])
        self._metrics.failures.labels(why.name.lower()).inc()

    def bad_frame(self, data: bytes, reason: str) -> None:
        self._count(bad_frames=self.status.bad_frames + 1)
        self._metrics.bad_frames.inc()
        log.debug("%s: bad frame (%s): %s", self.name, reason, data.hex(" "))

    def link_down(self, reason: str) -> None:
        self.go_offline(reason)

    def reconnect_scheduled(self, delay: float) -> None:
        self._count(reconnects=self.status.reconnects + 1)
        log.debug("%s: reconnecting in %.2f s", self.name, delay)

    # For the service

    def go_offline(self, reason: str) -> None:
        """Record that the device is not answering (or no longer polled): its points are
        not current any more. Nothing is written if it already was offline."""
        if not self.status.online:
            self._count(last_error=reason[:300])
            return
        now = self._now()
        batch = WriteBatch()
        status = self._went(False, f"Modbus device offline: {reason}", now, batch)
        self.mapper.mark_not_current(now, batch)
        try:
            self._journal(batch, status._replace(last_error=reason[:300]))
        except OSError:
            log.exception("%s: cannot journal that the device went offline", self.name)

    def add_status(self, batch: WriteBatch) -> None:
        """Put the device's state into ``batch`` if it changed since it was last journaled."""
        if self._dirty:
            batch.modbus_devices[self.status.device_id] = self.status
            self._dirty = False

    # Inside

    def _answered(self, now: int, batch: WriteBatch) -> ModbusDeviceStatus:
        status = self.status
        if not status.online:
            status = self._went(True, "Modbus device online", now, batch)
        return status._replace(last_poll_at=now)

    def _journal(self, batch: WriteBatch, status: ModbusDeviceStatus) -> None:
        batch.modbus_devices[status.device_id] = status
        try:
            self._append(batch)
        except Exception:
            self.mapper.forget()
            raise
        self.status = status
        self._dirty = False

    def _went(self, online: bool, text: str, now: int, batch: WriteBatch) -> ModbusDeviceStatus:
        layout = self.mapper.layout
        log.log(logging.INFO if online else logging.WARNING, "%s: %s", self.name, text)
        batch.modbus_com_events.append(
            ModbusComEventRow(
                profile_id=layout.profile_id,
                device_id=layout.device_id,
                code=LINK_CODE,
                reason=LINK_RESTORED if online else LINK_LOST,
                text=text[:200],
                time=now,
                dedup_key=f"mb{layout.device_id}:link:{now}",
            )
        )
        return self.status._replace(online=online, state_since=now)

    def _count(self, **changes: object) -> None:
        self.status = self.status._replace(**changes)
        self._dirty = True
