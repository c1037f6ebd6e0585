"""The detector's simulated devices on a broker: each publishes its status every second and
the supplies obey their command topics, through one
:class:`~protocols.mqtt.client.BrokerConnection` (which reconnects like the poller's).

The JSON-lines control interface (:mod:`protocols.simulation.control_lines`) lets tests and
the demo ``stop`` and ``resume`` a device's publishing, make it send ``garbage`` once,
``drop`` the broker connection, and ``get_state``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from twisted.internet.task import LoopingCall

from protocols.link.scheduling import Backoff
from protocols.mqtt.client import BrokerConnection, BrokerSettings
from protocols.simulation.control_lines import CommandTable, ControlError, Reply, field

from .devices import NOMINAL_VOLTS, PowerSupply, Rejected, detector_devices

log = logging.getLogger(__name__)

PERIOD = 1.0
"""Seconds between two status messages of a device."""


class Detector(CommandTable):
    """The demo detector's devices, publishing under ``prefix`` (empty: the documented topics)."""

    def __init__(
        self, settings: BrokerSettings, reactor: Any, prefix: str = "", nominal: bool = False
    ) -> None:
        self.prefix = prefix
        self.supplies, self.sensor, self.sensors = detector_devices()
        if nominal:
            for supply in self.supplies:
                supply.operate_at(NOMINAL_VOLTS[supply.name])
        self.silent: set[str] = set()
        self.garbage: set[str] = set()
        self.rejected = 0
        self.settings = settings
        self.connection = self._connect()
        self._ticker = LoopingCall(self._tick)
        self._ticker.clock = reactor
        self.commands = {
            "stop": self._stop,
            "resume": self._resume,
            "garbage": self._garbage,
            "drop": self._drop,
            "get_state": self._state,
        }

    def start(self) -> None:
        self.connection.start()
        self._ticker.start(PERIOD, now=False)

    def stop(self) -> Any:
        if self._ticker.running:
            self._ticker.stop()
        return asyncio.ensure_future(self.connection.stop())

    # The connection's sink

    def connected(self) -> None:
        log.info("simulator connected to %s:%d", self.settings.host, self.settings.port)

    def disconnected(self, reason: str) -> None:
        log.warning("simulator: broker connection lost: %s", reason)

    def message(self, topic: str, payload: bytes) -> None:
        local = topic[len(self.prefix) :]
        for supply in self.supplies:
            if local.startswith(f"/{supply.name}/"):
                try:
                    supply.command(local, payload)
                except Rejected as error:
                    self.rejected += 1
                    log.warning("rejected %s: %s", topic, error)
                return

    # Publishing

    def _connect(self) -> BrokerConnection:
        filters = [self.prefix + supply.command_filter for supply in self.supplies]
        return BrokerConnection(self.settings, filters, self, Backoff(0.2, 2.0))

    def _tick(self) -> None:
        for supply in self.supplies:
            supply.advance(PERIOD)
        messages = [(s.name, s.status_topic, s.status()) for s in self.supplies]
        messages.append((self.sensor.name, self.sensor.status_topic, self.sensor.status()))
        for sensor in self.sensors:
            messages += [(sensor.name, topic, payload) for topic, payload in sensor.readings()]
        for name, topic, payload in messages:
            if name in self.silent:
                continue
            if name in self.garbage:
                payload = b"\x00garbage{"
            asyncio.ensure_future(self._publish(self.prefix + topic, payload))
        self.garbage.clear()

    async def _publish(self, topic: str, payload: bytes) -> None:
        try:
            await self.connection.publish(topic, payload)
        except Exception as error:  # noqa: BLE001  (a lost connection: the next tick tries again)
            log.debug("not published on %s: %s", topic, error)

    # Control commands

    def _device(self, request: dict[str, Any]) -> str:
        name = field(request, "device", str)
        known = (
            {s.name for s in self.supplies} | {self.sensor.name} | {s.name for s in self.sensors}
        )
        if name not in known:
            raise ControlError(f"no device {name!r}; known: {', '.join(sorted(known))}")
        return str(name)

    def _stop(self, request: dict[str, Any]) -> Reply:
        self.silent.add(self._device(request))
        return {}

    def _resume(self, request: dict[str, Any]) -> Reply:
        self.silent.discard(self._device(request))
        return {}

    def _garbage(self, request: dict[str, Any]) -> Reply:
        self.garbage.add(self._device(request))
        return {}

    def _drop(self, request: dict[str, Any]) -> Reply:
        old = self.connection
        self.connection = self._connect()

        async def replace() -> None:
            await old.stop()
            self.connection.start()

        asyncio.ensure_future(replace())
        return {}

    def _state(self, request: dict[str, Any]) -> Reply:
        return {
            "supplies": {s.name: _channels(s) for s in self.supplies},
            "rejected": self.rejected,
            "silent": sorted(self.silent),
        }


def _channels(supply: PowerSupply) -> list[dict[str, Any]]:
    return [
        {"number": c.number, "on": c.on, "vreq": c.vreq, "vout": c.vout} for c in supply.channels
    ]
