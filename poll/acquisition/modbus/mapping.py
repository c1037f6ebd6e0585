"""Reading one Modbus device's decoded values into point changes, history samples and
alarm edges (a DI marked ``alarm`` going 0 -> 1 is stored as a time-stamped event).

Point state (what changed since the last answer, and the history each point's policy
keeps) is kept as for every source, by :class:`~poll.acquisition.point_states.PointStates`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from poll.acquisition.batch import EventRow, WriteBatch
from poll.acquisition.history_policy import HistoryPolicy
from poll.acquisition.modbus.config import ModbusDeviceConfig
from poll.acquisition.point_states import PointStates
from protocols.modbus import Value


class ModbusPointRole(NamedTuple):
    point_id: int
    is_di: bool
    inverted: bool
    alarm: bool
    table: str
    address: int


class ModbusLayout:
    """Which point each tag of one device is, and how its value is stored."""

    def __init__(self, config: ModbusDeviceConfig) -> None:
        self.device_id = config.id
        self.profile_id = config.profile_id
        self.name = config.name
        self.unit = config.settings.unit
        self.by_tag = {
            point.tag: ModbusPointRole(
                point.id,
                point.kind == "di",
                point.inverted,
                point.alarm,
                point.table,
                point.address,
            )
            for point in config.points
        }
        self.point_ids = [role.point_id for role in self.by_tag.values()]
        self.policies: dict[int, HistoryPolicy] = {
            point.id: point.history for point in config.points if point.history is not None
        }


class ModbusMapper:
    """Decoded values of one device into point changes, samples and alarm edges."""

    def __init__(self, layout: ModbusLayout) -> None:
        self.layout = layout
        self.points = PointStates(layout.policies)

    def relayout(self, layout: ModbusLayout) -> None:
        """Take a new configuration; points that are gone are forgotten."""
        self.points.keep_only(set(layout.point_ids), layout.policies)
        self.layout = layout

    def forget(self) -> None:
        """Forget every point's state, so that the next read writes them all again."""
        self.points.clear()

    def mark_not_current(self, now: int, batch: WriteBatch) -> None:
        """Every point of the device is no longer current (it stopped answering)."""
        for point_id in self.layout.point_ids:
            self.points.lose(point_id, now, batch)

    def read_tags(self, values: Mapping[str, Value], now: int, batch: WriteBatch) -> int:
        """Changes, samples and alarm edges of one answered block; returns the edges."""
        layout = self.layout
        states = self.points.last
        edges = 0
        for tag, raw in values.items():
            role = layout.by_tag.get(tag)
            if role is None:
                continue
            if role.is_di:
                value = float(bool(raw) ^ role.inverted)
                before = states.get(role.point_id)
                if before != (value, 0, True):
                    self.points.update(role.point_id, value, 0, now, batch)
                    if role.alarm and value and before is not None and before[0] == 0.0:
                        batch.events.append(self._edge(role, now))
                        edges += 1
            else:
                self.points.update(role.point_id, float(raw), 0, now, batch)
        return edges

    def mark_tags_not_current(self, tags: Sequence[str], now: int, batch: WriteBatch) -> None:
        for tag in tags:
            role = self.layout.by_tag.get(tag)
            if role is not None:
                self.points.lose(role.point_id, now, batch)

    def _edge(self, role: ModbusPointRole, now: int) -> EventRow:
        layout = self.layout
        return EventRow(
            profile_id=layout.profile_id,
            comaster_id=None,
            di_id=role.point_id,
            ied_address=layout.unit,
            port=0,
            bit=0,
            time=now,
            value=1,
            q=0,
            raw=f"{role.address:04x}",
            dedup_key=f"mb{layout.device_id}:{role.table}:{role.address}:{now}",
            received_at=now,
        )
