"""The field model: what engineers configure and what the field produces."""

from poll.models.field import IED, COMaster, Profile
from poll.models.heartbeat import PollerHeartbeat
from poll.models.modbus import ModbusDevice
from poll.models.mqtt import MqttBroker, MqttDevice
from poll.models.points import AI, DI, SV, Point, PointKind
from poll.models.records import ComEvent, Energy, Event, Revision, Sample

__all__ = [
    "AI",
    "COMaster",
    "ComEvent",
    "DI",
    "Energy",
    "Event",
    "IED",
    "ModbusDevice",
    "MqttBroker",
    "MqttDevice",
    "Point",
    "PollerHeartbeat",
    "PointKind",
    "Profile",
    "Revision",
    "SV",
    "Sample",
]
