"""The MQTT brokers and devices the poller runs, read from the database.

As for the other sources, everything becomes frozen dataclasses, so that two readings
compare equal when nothing that matters to a running connection changed. A broker's
connection subscribes to the topics of all its enabled devices; a device is a link.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from poll.acquisition.history_policy import HistoryPolicy, history_policy
from poll.acquisition.links import enabled_links
from poll.acquisition.options import PollerOptions
from poll.models import MqttBroker, MqttDevice, Point, Profile
from protocols.mqtt import DataType, PayloadMapping, PayloadPath
from protocols.mqtt.client import BrokerSettings

STALE_PERIODS = 3.0
"""A point is stale after this many expected periods without a message, unless it says."""


ONLINE_PATH = "$online"
"""The payload path of a DI that reads its device's online state rather than a payload:
1 while the device publishes, 0 once it is silent, its status topic says so or its broker
is lost, and current either way (so that an alarm can say "sensor silent")."""


@dataclass(frozen=True, slots=True)
class MqttPointSpec:
    id: int
    is_di: bool
    inverted: bool
    tag: str
    topic: str
    mapping: PayloadMapping
    history: HistoryPolicy | None
    stale_after: float

    @property
    def reads_online(self) -> bool:
        """A DI of its device's online state (``$online``), fed by no message."""
        return self.is_di and str(self.mapping.path) == ONLINE_PATH


@dataclass(frozen=True, slots=True)
class MqttDeviceConfig:
    """One device as the poller needs it: its broker, status topic and points."""

    id: int
    profile_id: int
    name: str
    broker_id: int
    expected_period: float
    status_topic: str
    online_payload: str
    points: tuple[MqttPointSpec, ...]

    @property
    def silent_after(self) -> float:
        """Seconds without any message before the device is offline."""
        return STALE_PERIODS * self.expected_period

    def filters(self) -> set[str]:
        topics = {point.topic for point in self.points}
        return topics | {self.status_topic} if self.status_topic else topics


@dataclass(frozen=True, slots=True)
class MqttBrokerConfig:
    id: int
    name: str
    settings: BrokerSettings


@dataclass(frozen=True, slots=True)
class MqttSite:
    """The enabled brokers and devices of a profile."""

    brokers: dict[int, MqttBrokerConfig] = field(default_factory=dict)
    devices: dict[int, MqttDeviceConfig] = field(default_factory=dict)

    def link_names(self) -> Mapping[int, str]:
        return {device.id: device.name for device in self.devices.values()}

    def lease_units(self) -> frozenset[int]:
        """What a poller leases: each broker connection (its id), with its devices."""
        return frozenset(self.brokers)

    def only(self, units: Collection[int]) -> MqttSite:
        """This configuration with only the brokers ``units`` and their devices."""
        return MqttSite(
            {broker: b for broker, b in self.brokers.items() if broker in units},
            {dev: d for dev, d in self.devices.items() if d.broker_id in units},
        )


def load_mqtt_site(profile: Profile, options: PollerOptions, names: Sequence[str] = ()) -> MqttSite:
    """The enabled MQTT devices of ``profile`` on enabled brokers (only those in ``names``,
    when given), and their brokers."""
    brokers = {row.pk: row for row in MqttBroker.objects.filter(profile=profile, enabled=True)}
    devices = [row for row in enabled_links(MqttDevice, profile, names) if row.broker_id in brokers]
    points: dict[int, list[MqttPointSpec]] = {}
    for point in Point.objects.filter(mqtt_device__in=devices).order_by("id"):
        assert point.mqtt_device_id is not None  # read by its device
        points.setdefault(point.mqtt_device_id, []).append(_point_spec(point))
    return MqttSite(
        brokers={
            pk: MqttBrokerConfig(pk, row.name, _settings(row))
            for pk, row in brokers.items()
            if any(device.broker_id == pk for device in devices)
        },
        devices={
            row.pk: MqttDeviceConfig(
                id=row.pk,
                profile_id=profile.pk,
                name=row.name,
                broker_id=row.broker_id,
                expected_period=row.expected_period,
                status_topic=row.status_topic,
                online_payload=row.online_payload,
                points=tuple(
                    _with_default_stale(spec, row.expected_period)
                    for spec in points.get(row.pk, ())
                ),
            )
            for row in devices
        },
    )


def _point_spec(point: Point) -> MqttPointSpec:
    is_di = point.kind == "di"
    return MqttPointSpec(
        id=point.pk,
        is_di=is_di,
        inverted=point.inverted,
        tag=point.tag,
        topic=point.topic,
        mapping=PayloadMapping(
            path=PayloadPath.parse(point.payload_path),
            data_type=DataType.BOOL if is_di else DataType.FLOAT,
            scale=point.escala,
            offset=point.value_offset,
            unit=point.unit,
        ),
        history=history_policy(point),
        stale_after=point.stale_after or 0.0,
    )


def _with_default_stale(spec: MqttPointSpec, expected_period: float) -> MqttPointSpec:
    if spec.stale_after:
        return spec
    return replace(spec, stale_after=STALE_PERIODS * expected_period)


def _settings(row: MqttBroker) -> BrokerSettings:
    return BrokerSettings(
        host=row.host,
        port=row.port,
        client_id=row.client_id,
        username=row.username,
        password=row.password,
        tls=row.tls,
        ca_file=row.ca_file,
        cert_file=row.cert_file,
        key_file=row.key_file,
        keepalive=row.keepalive,
        clean_session=row.clean_session,
    )
