"""The Modbus devices the poller runs, read from the database.

Like the COMasters' configuration (:mod:`poll.acquisition.config`), everything becomes
frozen dataclasses, so that two readings compare equal when nothing that matters to a
running device changed; reconfiguration diffs them.

Reads never bridge registers that no point needs: devices answer an exception for registers
they do not have (the SDM630 does), and one refused read would blind all its points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from poll.acquisition.batch import to_micros
from poll.acquisition.modbus_batch import ModbusDeviceStatus
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
    deadband: float
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
    """The enabled Modbus devices of a profile, and the state last written for each (to
    carry on counting)."""

    devices: dict[int, ModbusDeviceConfig] = field(default_factory=dict)
    statuses: dict[int, ModbusDeviceStatus] = field(default_factory=dict)


def load_modbus_site(
    profile: Profile, options: PollerOptions, names: Sequence[str] = ()
) -> ModbusSite:
    """The enabled Modbus devices of ``profile`` (only those in ``names``, when given)."""
    rows = ModbusDevice.objects.filter(profile=profile, enabled=True)
    if names:
        rows = rows.filter(name__in=names)
    devices = list(rows.order_by("id"))
    points: dict[int, list[ModbusPointSpec]] = {}
    for point in Point.objects.filter(modbus_device__in=devices).order_by("address", "id"):
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
        },
        statuses={row.pk: _status(row) for row in devices},
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
        deadband=point.deadband,
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


def _status(row: ModbusDevice) -> ModbusDeviceStatus:
    return ModbusDeviceStatus(
        device_id=row.pk,
        online=row.online,
        state_since=_micros(row.state_since),
        last_poll_at=_micros(row.last_poll_at),
        last_error=row.last_error,
        polls=row.polls,
        timeouts=row.timeouts,
        bad_frames=row.bad_frames,
        exceptions=row.exceptions,
        events_received=row.events_received,
        reconnects=row.reconnects,
        latency_ms=row.latency_ms,
    )


def _micros(value: object) -> int | None:
    return None if value is None else to_micros(value)  # type: ignore[arg-type]
