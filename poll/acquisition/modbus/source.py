"""The Modbus devices of the poller: a :class:`~protocols.modbus.client.ModbusClient` per
enabled device on the poller's reactor, started, replaced and stopped as the configuration
changes. What they read goes through the same journal and writer as the COMasters'."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred

from poll.acquisition.batch import WriteBatch
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.modbus_batch import ModbusDeviceStatus
from poll.acquisition.modbus_config import ModbusDeviceConfig, ModbusSite
from poll.acquisition.modbus_recorder import ModbusLayout, ModbusMapper, ModbusRecorder
from protocols.modbus.client import ModbusClient

log = logging.getLogger(__name__)


@dataclass
class RunningDevice:
    config: ModbusDeviceConfig
    recorder: ModbusRecorder
    client: ModbusClient


class ModbusDevices:
    """Keeps one client running per enabled Modbus device of the configuration."""

    def __init__(
        self,
        reactor: Any,
        metrics: PollerMetrics,
        append: Callable[[WriteBatch], None],
        wall_clock: Callable[[], int],
        sample_max_interval: float,
    ) -> None:
        self._reactor = reactor
        self._metrics = metrics
        self._append = append
        self._now = wall_clock
        self._sample_max_interval = sample_max_interval
        self._running: dict[int, RunningDevice] = {}
        self._stopping = False

    @property
    def recorders(self) -> list[ModbusRecorder]:
        return [running.recorder for running in self._running.values()]

    def apply(self, site: ModbusSite) -> None:
        """Start, replace or stop only the devices whose configuration changed."""
        if self._stopping:
            return
        for device_id in [known for known in self._running if known not in site.devices]:
            self._retire(device_id)
        for device_id, config in site.devices.items():
            running = self._running.get(device_id)
            if running is None:
                self._start(config, site.statuses.get(device_id))
            elif running.config != config:
                self._replace(running, config)
        if self._running:
            log.info("polling %d Modbus devices", len(self._running))

    def stop(self) -> list[Deferred[None]]:
        """Stop every client; the Deferreds fire once their connections are closed."""
        self._stopping = True
        return [running.client.stop() for running in self._running.values()]

    def add_statuses(self, batch: WriteBatch) -> None:
        for running in self._running.values():
            running.recorder.add_status(batch)

    def _start(self, config: ModbusDeviceConfig, status: ModbusDeviceStatus | None) -> None:
        mapper = ModbusMapper(ModbusLayout(config), self._sample_max_interval)
        recorder = ModbusRecorder(
            mapper,
            status or ModbusDeviceStatus(config.id, False, None, None, "", 0, 0, 0, 0, 0, 0, None),
            self._append,
            self._metrics,
            self._now,
        )
        running = RunningDevice(config, recorder, self._client(config, recorder))
        self._running[config.id] = running
        running.client.start()

    def _replace(self, running: RunningDevice, config: ModbusDeviceConfig) -> None:
        """A changed device gets a new client (with its new points and settings) once the
        old connection is closed; its point states carry over."""
        log.info("%s: configuration changed, reconnecting", config.name)
        running.config = config
        running.recorder.mapper.relayout(ModbusLayout(config))
        old = running.client

        def restart(_: object) -> None:
            replaced = self._running.get(config.id) is not running or running.client is not old
            if not replaced and not self._stopping:
                running.client = self._client(running.config, running.recorder)
                running.client.start()

        old.stop().addCallback(restart)

    def _retire(self, device_id: int) -> None:
        running = self._running.pop(device_id)
        running.client.stop()
        running.recorder.go_offline("not polled any more (disabled, removed or not selected)")

    def _client(self, config: ModbusDeviceConfig, recorder: ModbusRecorder) -> ModbusClient:
        return ModbusClient(config.settings, config.read_plan(), recorder, self._reactor)
