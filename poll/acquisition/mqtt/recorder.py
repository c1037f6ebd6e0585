"""One MQTT device's messages, turned into write batches and communication state.

:class:`MqttRecorder` hears the messages of its device's topics (its broker connection
routes them here). A message that sets at least one point puts the device online and is
journaled as one batch; ``polls`` counts such messages. A payload that does not hold a
point's value counts in ``bad_frames`` and is logged once per topic (a device that sends
garbage every second must not fill the log). The device goes offline when its status topic
says so, when it is silent for 3 expected periods, or when its broker connection is lost.
"""

from __future__ import annotations

import logging

from poll.acquisition.batch import WriteBatch
from poll.acquisition.link_recorder import LinkRecorder
from poll.acquisition.links import LinkKind
from poll.acquisition.mqtt.config import MqttDeviceConfig
from poll.acquisition.mqtt.mapping import MqttMapper
from poll.models import MqttDevice

log = logging.getLogger(__name__)

MQTT_DEVICES = LinkKind(
    "mqtt_devices",
    MqttDevice,
    event_column="mqtt_device_id",
    label="MQTT device",
    key_prefix="mq",
)


class MqttRecorder(LinkRecorder):
    """Maps, counts and journals what one MQTT device publishes."""

    kind = MQTT_DEVICES
    mapper: MqttMapper
    config: MqttDeviceConfig

    def configure(self, config: MqttDeviceConfig) -> None:
        self.config = config
        self._last_heard = self._now()
        self._malformed_topics: set[str] = set()

    def message(self, topic: str, payload: bytes) -> None:
        now = self._now()
        config = self.config
        if config.status_topic and topic == config.status_topic:
            self._status(payload, now)
            return
        batch = WriteBatch()
        heard = self.mapper.message(topic, payload, now, batch)
        if heard.malformed:
            self._malformed(topic, heard.malformed)
        if not heard.points:
            return
        self._last_heard = now
        self.mapper.online(True, now, batch)
        status = self._answered(now, batch)
        self._journal(batch, status._replace(polls=status.polls + 1))
        self._metrics.replies.inc()

    def check(self) -> None:
        """Lose the points that went stale; offline if the device went silent."""
        now = self._now()
        if self.online and now - self._last_heard >= self.config.silent_after * 1_000_000:
            self.go_offline(f"no message for {self.config.silent_after:g} s")
            return
        batch = WriteBatch()
        self.mapper.lose_stale(now, batch)
        if batch:  # lost points, heartbeat samples
            self._journal(batch, self.status)

    def broker_lost(self, broker: str, reason: str) -> None:
        self.go_offline(f"broker {broker}: {reason}")

    def _status(self, payload: bytes, now: int) -> None:
        said = payload.decode("utf-8", "replace").strip()
        if said == self.config.online_payload:
            self._last_heard = now
            if not self.online:
                batch = WriteBatch()
                self.mapper.online(True, now, batch)
                self._journal(batch, self._answered(now, batch))
        else:
            self.go_offline(f"status topic says {said[:60]!r}")

    def _malformed(self, topic: str, problems: list[str]) -> None:
        self._count(
            bad_frames=self.status.bad_frames + 1, last_error=f"{topic}: {problems[0]}"[:300]
        )
        self._metrics.bad_frames.inc()
        if topic not in self._malformed_topics:
            self._malformed_topics.add(topic)
            log.warning(
                "%s: malformed payload on %s (%s); logged once per topic, counted in bad frames",
                self.name,
                topic,
                "; ".join(problems[:3]),
            )
