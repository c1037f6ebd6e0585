"""One Modbus device's client reports, turned into write batches and communication state.

:class:`ModbusRecorder` is the :class:`~protocols.modbus.client.ModbusSink` of one device.
Each answered read block becomes one batch: the points that changed, history samples,
alarm edges and the device's state (:mod:`poll.acquisition.modbus.mapping`). An exception
reply marks the points of the refused block not current and is counted with its code; it
never yields values. The counters and going online and offline are every link's
(:class:`~poll.acquisition.link_recorder.LinkRecorder`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from poll.acquisition.batch import WriteBatch
from poll.acquisition.link_recorder import LinkRecorder
from poll.acquisition.links import LinkKind
from poll.acquisition.modbus.mapping import ModbusMapper
from poll.models import ModbusDevice
from protocols.modbus import ExceptionReply, Request, Value
from protocols.modbus.client import FailedTry

log = logging.getLogger(__name__)

MODBUS_DEVICES = LinkKind(
    "modbus_devices",
    ModbusDevice,
    event_column="modbus_device_id",
    label="Modbus device",
    key_prefix="mb",
)


class ModbusRecorder(LinkRecorder):
    """Counts, maps and journals what one Modbus device's client reports."""

    kind = MODBUS_DEVICES
    mapper: ModbusMapper

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
        self._failed(why, detail)
