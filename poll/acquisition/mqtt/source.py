"""The MQTT source: one :class:`~protocols.mqtt.client.BrokerConnection` per broker that has
enabled devices, on the poller's reactor (its asyncio loop), and a recorder per device.

Unlike a polled source, several links (devices) share one connection, so this runner is
not a :class:`~poll.acquisition.link_runner.LinkRunner`: a broker's connection is replaced
when its settings or the topics of its devices change, and a device's recorder (with its
points' states) carries over. A periodic check loses stale points and silent devices.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.task import LoopingCall

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.mqtt.config import (
    MqttBrokerConfig,
    MqttDeviceConfig,
    MqttSite,
    load_mqtt_site,
)
from poll.acquisition.mqtt.mapping import MqttLayout, MqttMapper
from poll.acquisition.mqtt.recorder import MQTT_DEVICES, MqttRecorder
from poll.acquisition.options import PollerOptions
from poll.acquisition.sources import SourceContext
from poll.models import MqttBroker, Profile
from protocols.link.scheduling import Backoff
from protocols.mqtt.client import BrokerConnection

log = logging.getLogger(__name__)

CHECK_INTERVAL = 0.25
"""Seconds between checks for stale points and silent devices."""

COMMAND_QOS = 1
"""Commands are published at least once, so that the broker's PUBACK confirms them."""


class NotPublished(Exception):
    """A command that cannot be published here (no such device, no connection)."""


class MqttSource:
    """Devices that publish on MQTT brokers."""

    name = "mqtt"
    link_kind = MQTT_DEVICES
    lease_model = MqttBroker

    def load(self, profile: Profile, options: PollerOptions, names: Sequence[str]) -> MqttSite:
        return load_mqtt_site(profile, options, names)

    def run(self, context: SourceContext) -> MqttDevices:
        return MqttDevices(context)


class BrokerRouter:
    """A broker connection's sink: messages to the recorders of the devices they feed."""

    def __init__(self, broker: MqttBrokerConfig, recorders: list[MqttRecorder]) -> None:
        self.broker = broker
        self.recorders = recorders
        self._routes: dict[str, list[MqttRecorder]] = {}
        self.up = False

    def connected(self) -> None:
        self.up = True
        log.info("broker %s: connected and subscribed", self.broker.name)

    def disconnected(self, reason: str) -> None:
        if self.up:
            log.warning("broker %s: connection lost: %s", self.broker.name, reason)
        self.up = False
        for recorder in self.recorders:
            recorder.reconnect_scheduled(0.0)
            recorder.broker_lost(self.broker.name, reason)

    def message(self, topic: str, payload: bytes) -> None:
        recorders = self._routes.get(topic)
        if recorders is None:
            recorders = [r for r in self.recorders if _feeds(r.config, topic, r.mapper.layout)]
            self._routes[topic] = recorders
        for recorder in recorders:
            try:
                recorder.message(topic, payload)
            except OSError:
                log.exception("%s: cannot journal a message", recorder.name)


def _feeds(config: MqttDeviceConfig, topic: str, layout: MqttLayout) -> bool:
    return topic == config.status_topic or bool(layout.points_of(topic))


class MqttDevices:
    """Keeps one connection per broker, and one recorder per enabled device."""

    def __init__(self, context: SourceContext) -> None:
        self._context = context
        self._recorders: dict[int, MqttRecorder] = {}
        self._connections: dict[int, tuple[Any, BrokerConnection]] = {}
        self._stopping = False
        self._checker = LoopingCall(self._check)
        self._checker.clock = context.reactor

    def apply(self, site: MqttSite, statuses: Mapping[int, LinkStatus]) -> None:
        if self._stopping:
            return
        context = self._context
        for device_id in [known for known in self._recorders if known not in site.devices]:
            self._recorders.pop(device_id).go_offline(
                "not polled any more (disabled, removed or not selected)"
            )
        for device_id, config in site.devices.items():
            recorder = self._recorders.get(device_id)
            if recorder is None:
                status = statuses.get(device_id) or LinkStatus.initial(device_id)
                mapper = MqttMapper(MqttLayout(config), context.wall_clock())
                recorder = MqttRecorder(
                    mapper, status, context.append, context.metrics, context.wall_clock
                )
                recorder.configure(config)
                self._recorders[device_id] = recorder
            elif recorder.config != config:
                recorder.mapper.relayout(MqttLayout(config), context.wall_clock())
                recorder.configure(config)
        for broker_id in [known for known in self._connections if known not in site.brokers]:
            self._drop(broker_id)
        for broker_id, broker in site.brokers.items():
            recorders = [r for r in self._recorders.values() if r.config.broker_id == broker_id]
            filters = sorted(set().union(*(r.config.filters() for r in recorders)))
            wanted = (broker, filters)
            running = self._connections.get(broker_id)
            if running is not None and running[0] == wanted:
                running[1].sink = BrokerRouter(broker, recorders)
                continue
            if running is not None:
                self._drop(broker_id)
            options = context.options
            connection = BrokerConnection(
                broker.settings,
                filters,
                BrokerRouter(broker, recorders),
                Backoff(options.backoff_initial, options.backoff_max),
            )
            self._connections[broker_id] = (wanted, connection)
            connection.start()
        if self._recorders and not self._checker.running:
            self._checker.start(CHECK_INTERVAL, now=False)
        if self._recorders:
            log.info(
                "listening to %d MQTT devices on %d brokers",
                len(self._recorders),
                len(self._connections),
            )

    def hand_over(self, units: Collection[int]) -> None:
        """Close the connections to brokers ``units`` and forget their devices, without
        recording anything: another poller has them now (:mod:`poll.acquisition.leases`)."""
        for device_id in [d for d, r in self._recorders.items() if r.config.broker_id in units]:
            del self._recorders[device_id]
        for broker_id in [known for known in self._connections if known in units]:
            self._drop(broker_id)

    def add_statuses(self, batch: WriteBatch) -> None:
        for recorder in self._recorders.values():
            recorder.add_status(batch)

    def stop(self) -> list[Deferred[Any]]:
        self._stopping = True
        if self._checker.running:
            self._checker.stop()
        return [self._stop(connection) for _, connection in self._connections.values()]

    def runs(self, device_id: int) -> bool:
        """Whether this poller listens to the device now (its broker connection is here;
        a plain dict read, safe from another thread)."""
        recorder = self._recorders.get(device_id)
        return recorder is not None and recorder.config.broker_id in self._connections

    def publish(self, device_id: int, topic: str, payload: bytes) -> Deferred[None]:
        """Publish a command for a device on its broker's connection, at QoS 1: the Deferred
        fires once the broker has taken it (its PUBACK, the command's echo), and fails when
        the device is not listened to here or its broker is not connected."""
        recorder = self._recorders.get(device_id)
        running = self._connections.get(recorder.config.broker_id) if recorder else None
        if running is None:
            return fail(NotPublished("device not listened to by this poller"))
        connection = running[1]
        return Deferred.fromFuture(
            asyncio.ensure_future(connection.publish(topic, payload, qos=COMMAND_QOS))
        )

    def _drop(self, broker_id: int) -> None:
        _, connection = self._connections.pop(broker_id)
        self._stop(connection)

    @staticmethod
    def _stop(connection: BrokerConnection) -> Deferred[Any]:
        return Deferred.fromFuture(asyncio.ensure_future(connection.stop()))

    def _check(self) -> None:
        for recorder in self._recorders.values():
            try:
                recorder.check()
            except OSError:
                log.exception("%s: cannot journal stale points", recorder.name)
