"""The Modbus source: a :class:`~protocols.modbus.client.ModbusClient` per enabled device
on the poller's reactor, started, replaced and stopped as the configuration changes."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.modbus.config import ModbusDeviceConfig, ModbusSite, load_modbus_site
from poll.acquisition.modbus.mapping import ModbusLayout, ModbusMapper
from poll.acquisition.modbus.recorder import MODBUS_DEVICES, ModbusRecorder
from poll.acquisition.options import PollerOptions
from poll.acquisition.sources import SourceContext
from poll.models import Profile
from protocols.modbus.client import ModbusClient

log = logging.getLogger(__name__)


class ModbusSource:
    """Modbus devices, over TCP or RTU over TCP."""

    name = "modbus"
    link_kind = MODBUS_DEVICES

    def load(self, profile: Profile, options: PollerOptions, names: Sequence[str]) -> ModbusSite:
        return load_modbus_site(profile, options, names)

    def run(self, context: SourceContext) -> ModbusDevices:
        return ModbusDevices(context)


@dataclass
class RunningDevice:
    config: ModbusDeviceConfig
    recorder: ModbusRecorder
    client: ModbusClient


class ModbusDevices:
    """Keeps one client running per enabled Modbus device of the configuration."""

    def __init__(self, context: SourceContext) -> None:
        self._context = context
        self._running: dict[int, RunningDevice] = {}
        self._stopping = False

    def apply(self, site: ModbusSite, statuses: Mapping[int, LinkStatus]) -> None:
        """Start, replace or stop only the devices whose configuration changed."""
        if self._stopping:
            return
        for device_id in [known for known in self._running if known not in site.devices]:
            self._retire(device_id)
        for device_id, config in site.devices.items():
            running = self._running.get(device_id)
            if running is None:
                self._start(config, statuses.get(device_id))
            elif running.config != config:
                self._replace(running, config)
        if self._running:
            log.info("polling %d Modbus devices", len(self._running))

    def stop(self) -> list[Deferred[Any]]:
        """Stop every client; the Deferreds fire once their connections are closed."""
        self._stopping = True
        return [running.client.stop() for running in self._running.values()]

    def add_statuses(self, batch: WriteBatch) -> None:
        for running in self._running.values():
            running.recorder.add_status(batch)

    def _start(self, config: ModbusDeviceConfig, status: LinkStatus | None) -> None:
        context = self._context
        mapper = ModbusMapper(ModbusLayout(config), context.options.sample_max_interval)
        recorder = ModbusRecorder(
            mapper,
            status or LinkStatus.initial(config.id),
            context.append,
            context.metrics,
            context.wall_clock,
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
        return ModbusClient(config.settings, config.read_plan(), recorder, self._context.reactor)
