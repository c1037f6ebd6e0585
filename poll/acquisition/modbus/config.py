"""The Modbus devices the poller runs, read from the database.

Like the COMasters' configuration (:mod:`poll.acquisition.mara.config`), everything becomes
frozen dataclasses, so that two readings compare equal when nothing that matters to a
running device changed; reconfiguration diffs them.

Reads never bridge registers that no point needs: devices answer an exception for registers
they do not have (the SDM630 does), and one refused read would blind all its points.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from poll.acquisition.history_policy import HistoryPolicy, history_policy
from poll.acquisition.links import enabled_links
from poll.acquisition.options import PollerOptions
from poll.models import ModbusDevice, Point, Profile
from protocols.modbus import DataType, Framing, ReadLimits, ReadPlan, Table, ValueFormat, WordOrder
from protocols.modbus import Point as WirePoint
from protocols.modbus.client import DeviceSettings

POLLER_READ_LIMITS = ReadLimits(register_gap=0)


@dataclass(frozen=True, slots=True)
class ModbusPointSpec:
    id: int
    kind: str
    tag: str
    table: str
    address: int
    data_type: str
    word_order: str
    bit: int | None
    escala: float
    value_offset: float
    history: HistoryPolicy | None
    inverted: bool
    alarm: bool
    writable: bool

    def wire_point(self) -> WirePoint:
        """The point as the Modbus client reads it (scale and offset applied there)."""
        table = Table(self.table)
        return WirePoint(
            tag=self.tag,
            table=table,
            address=self.address,
            format=ValueFormat(
                data_type=DataType(self.data_type),
                word_order=WordOrder(self.word_order or WordOrder.ABCD.value),
                bit=None if table.is_bits else self.bit,
                scale=self.escala,
                offset=self.value_offset,
            ),
            writable=self.writable,
        )


@dataclass(frozen=True, slots=True)
class ModbusDeviceConfig:
    """One device as the poller needs it: how to reach it and its points."""

    id: int
    profile_id: int
    name: str
    settings: DeviceSettings
    points: tuple[ModbusPointSpec, ...]

    def read_plan(self, limits: ReadLimits = POLLER_READ_LIMITS) -> ReadPlan:
        return ReadPlan((point.wire_point() for point in self.points), limits)


@dataclass(frozen=True, slots=True)
class ModbusSite:
    """The enabled Modbus devices of a profile."""

    devices: dict[int, ModbusDeviceConfig] = field(default_factory=dict)

    def link_names(self) -> Mapping[int, str]:
        return {device.id: device.name for device in self.devices.values()}

    def lease_units(self) -> frozenset[int]:
        """What a poller leases: each device (its id)."""
        return frozenset(self.devices)

    def only(self, units: Collection[int]) -> ModbusSite:
        """This configuration with only the devices ``units``."""
        return ModbusSite({dev: d for dev, d in self.devices.items() if dev in units})


def load_modbus_site(
    profile: Profile, options: PollerOptions, names: Sequence[str] = ()
) -> ModbusSite:
    """The enabled Modbus devices of ``profile`` (only those in ``names``, when given)."""
    devices = enabled_links(ModbusDevice, profile, names)
    points: dict[int, list[ModbusPointSpec]] = {}
    for point in Point.objects.filter(modbus_device__in=devices).order_by("address", "id"):
        assert point.modbus_device_id is not None  # read by its device
        points.setdefault(point.modbus_device_id, []).append(_point_spec(point))
    return ModbusSite(
        devices={
            row.pk: ModbusDeviceConfig(
                id=row.pk,
                profile_id=profile.pk,
                name=row.name,
                settings=_device_settings(row, options),
                points=tuple(points.get(row.pk, ())),
            )
            for row in devices
        }
    )


def _point_spec(point: Point) -> ModbusPointSpec:
    return ModbusPointSpec(
        id=point.pk,
        kind=point.kind,
        tag=point.tag,
        table=point.table,
        address=point.address or 0,
        data_type=point.data_type,
        word_order=point.word_order,
        bit=point.bit,
        escala=point.escala,
        value_offset=point.value_offset,
        history=history_policy(point),
        inverted=point.inverted,
        alarm=point.alarm,
        writable=point.writable,
    )


def _device_settings(row: ModbusDevice, options: PollerOptions) -> DeviceSettings:
    return DeviceSettings(
        host=row.host,
        port=row.port,
        unit=row.unit,
        poll_interval=row.poll_interval,
        reply_timeout=row.reply_timeout,
        attempts=row.attempts,
        framing=Framing(row.framing),
        connect_timeout=options.connect_timeout,
        backoff_initial=options.backoff_initial,
        backoff_max=options.backoff_max,
    )
