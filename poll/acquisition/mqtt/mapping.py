"""One MQTT device's messages into point changes and history samples, and its points'
staleness: a point that hears nothing for its stale time is no longer current.

A message is routed to every point whose topic filter matches it (wildcards included);
its payload is parsed once. A payload that does not hold a point's value leaves that point
as it was (:class:`~protocols.mqtt.MalformedPayload`): nothing wrong is ever stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from poll.acquisition.batch import WriteBatch
from poll.acquisition.history_policy import HistoryPolicy
from poll.acquisition.mqtt.config import MqttDeviceConfig, MqttPointSpec
from poll.acquisition.point_states import PointStates
from protocols.mqtt import MalformedPayload, parse_document, topic_matches


class MqttLayout:
    """Which points each topic feeds, for one device."""

    def __init__(self, config: MqttDeviceConfig) -> None:
        self.device_id = config.id
        self.profile_id = config.profile_id
        self.name = config.name
        self.points = tuple(point for point in config.points if not point.reads_online)
        """The points that messages feed."""
        self.online_points = tuple(point for point in config.points if point.reads_online)
        """The DIs of the device's online state (``$online``)."""
        self.point_ids = [point.id for point in config.points]
        self.policies: dict[int, HistoryPolicy] = {
            point.id: point.history for point in config.points if point.history is not None
        }
        self._routes: dict[str, tuple[MqttPointSpec, ...]] = {}

    def points_of(self, topic: str) -> tuple[MqttPointSpec, ...]:
        """The points a message on ``topic`` feeds (remembered per topic)."""
        found = self._routes.get(topic)
        if found is None:
            found = tuple(point for point in self.points if topic_matches(point.topic, topic))
            self._routes[topic] = found
        return found


@dataclass
class Heard:
    """What one message did to a device's points."""

    points: int = 0
    malformed: list[str] = field(default_factory=list)


class MqttMapper:
    """Messages of one device into point changes and samples; stale points lost."""

    def __init__(self, layout: MqttLayout, now: int) -> None:
        self.layout = layout
        self.points = PointStates(layout.policies)
        self._heard: dict[int, int] = dict.fromkeys(layout.point_ids, now)

    def relayout(self, layout: MqttLayout, now: int) -> None:
        """Take a new configuration; points that are gone are forgotten."""
        self.points.keep_only(set(layout.point_ids), layout.policies)
        self._heard = {point_id: self._heard.get(point_id, now) for point_id in layout.point_ids}
        self.layout = layout

    def forget(self) -> None:
        self.points.clear()

    def mark_not_current(self, now: int, batch: WriteBatch) -> None:
        """The device went offline: its points are not current; its ``$online`` DIs say 0."""
        for point in self.layout.points:
            self.points.lose(point.id, now, batch)
        self.online(False, now, batch)

    def online(self, online: bool, now: int, batch: WriteBatch) -> None:
        """Set the ``$online`` DIs (a change only when the state changed)."""
        for point in self.layout.online_points:
            self.points.update(point.id, float(online ^ point.inverted), 0, now, batch)

    def message(self, topic: str, payload: bytes, now: int, batch: WriteBatch) -> Heard:
        """The changes one message makes; the points whose value it did not hold are named."""
        heard = Heard()
        document: Any = None
        for point in self.layout.points_of(topic):
            try:
                if document is None and not point.mapping.path.plain:
                    document = parse_document(payload)
                raw = point.mapping.read(payload, document)
            except MalformedPayload as error:
                heard.malformed.append(f"{point.tag}: {error}")
                continue
            self._heard[point.id] = now
            heard.points += 1
            value = float(bool(raw) ^ point.inverted) if point.is_di else float(raw)
            self.points.update(point.id, value, 0, now, batch)
        return heard

    def lose_stale(self, now: int, batch: WriteBatch) -> None:
        """Points that heard nothing for their stale time are no longer current; those
        that heard nothing new get their heartbeat and held-back history samples."""
        for point in self.layout.points:
            if now - self._heard.get(point.id, now) >= point.stale_after * 1_000_000:
                self.points.lose(point.id, now, batch)
        if now >= self.points.samples_due:
            self.points.sample_due(now, batch)
