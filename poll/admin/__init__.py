"""Admin pages for engineers: COMasters with their IEDs, Modbus and MQTT devices with their
points, point lists, read-only records (each module registers its pages)."""

from poll.admin import links, points, records

__all__ = ["links", "points", "records"]
