"""The Modbus source: a :class:`~protocols.modbus.client.ModbusClient` per enabled device
on the poller's reactor, started, replaced and stopped as the configuration changes
(:class:`~poll.acquisition.link_runner.LinkRunner`). Devices at the same host and port
(meters behind one RS485-to-TCP gateway) share one connection
(:class:`~protocols.modbus.client.ModbusGateways`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from poll.acquisition.batch import LinkStatus
from poll.acquisition.link_runner import LinkRunner, Running
from poll.acquisition.modbus.config import ModbusDeviceConfig, ModbusSite, load_modbus_site
from poll.acquisition.modbus.mapping import ModbusLayout, ModbusMapper
from poll.acquisition.modbus.recorder import MODBUS_DEVICES, ModbusRecorder
from poll.acquisition.options import PollerOptions
from poll.acquisition.sources import SourceContext
from poll.models import ModbusDevice, Profile
from protocols.modbus.client import ModbusClient, ModbusGateways

log = logging.getLogger(__name__)


class ModbusSource:
    """Modbus devices, over TCP or RTU over TCP."""

    name = "modbus"
    link_kind = MODBUS_DEVICES
    lease_model = ModbusDevice

    def load(self, profile: Profile, options: PollerOptions, names: Sequence[str]) -> ModbusSite:
        return load_modbus_site(profile, options, names)

    def run(self, context: SourceContext) -> ModbusDevices:
        return ModbusDevices(context)


class ModbusDevices(LinkRunner[ModbusDeviceConfig, ModbusRecorder, ModbusClient]):
    """Keeps one client running per enabled Modbus device of the configuration."""

    def __init__(self, context: SourceContext) -> None:
        super().__init__(context)
        self._gateways = ModbusGateways(context.reactor)

    def apply(self, site: ModbusSite, statuses: Mapping[int, LinkStatus]) -> None:
        super().apply(site, statuses)
        if self._running:
            log.info("polling %d Modbus devices", len(self._running))

    def _links(self, site: ModbusSite) -> Mapping[int, ModbusDeviceConfig]:
        return site.devices

    def _recorder(self, config: ModbusDeviceConfig, status: LinkStatus) -> ModbusRecorder:
        context = self._context
        mapper = ModbusMapper(ModbusLayout(config))
        return ModbusRecorder(mapper, status, context.append, context.metrics, context.wall_clock)

    def _client(
        self, config: ModbusDeviceConfig, recorder: ModbusRecorder, previous: ModbusClient | None
    ) -> ModbusClient:
        return ModbusClient(
            config.settings,
            config.read_plan(),
            recorder,
            self._context.reactor,
            gateways=self._gateways,
        )

    def _update(
        self,
        running: Running[ModbusDeviceConfig, ModbusRecorder, ModbusClient],
        old: ModbusDeviceConfig,
    ) -> None:
        """A changed device gets a new client (with its new points and settings) once the
        old connection is closed; its point states carry over."""
        log.info("%s: configuration changed, reconnecting", running.config.name)
        running.recorder.mapper.relayout(ModbusLayout(running.config))
        self._reconnect(running)
