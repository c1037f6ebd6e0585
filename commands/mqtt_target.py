"""Commands published on MQTT (kind ``mqtt_publish``): the point's MQTT device names the
broker connection, the definition's ``target`` the topic and the payload.

The payload is a template where ``{value}`` stands for the value sent (a setpoint's number,
or a switch's fixed text such as ``on``); it is replaced as text, never formatted or
evaluated. The poller publishes at QoS 1, so the broker's PUBACK is the echo; the feedback is
the device's own status topic (the point, or the definition's feedback point), supervised
like any other command's. The device applies what it accepts and reports it in its status:
a rejected command shows as "no feedback".
"""

from __future__ import annotations

import math
from typing import Any

from twisted.internet.defer import Deferred, fail

from poll.acquisition.mqtt.source import MqttDevices, NotPublished
from poll.models import MqttDevice, Point

MQTT_KINDS = frozenset({"mqtt_publish"})
SOURCE = "mqtt"
"""The name of the poller's MQTT source (:class:`poll.acquisition.mqtt.source.MqttSource`)."""


def device_of(point_id: int) -> tuple[int | None, str]:
    """The MQTT device that owns the point, or None and why (database work)."""
    device_id = Point.objects.filter(pk=point_id).values_list("mqtt_device_id", flat=True).first()
    if device_id is None:
        return None, "the point is on no MQTT device"
    return device_id, ""


def broker_of(device_id: int) -> int | None:
    """The broker connection an MQTT device is heard on: what a poller leases (database work)."""
    return MqttDevice.objects.filter(pk=device_id).values_list("broker_id", flat=True).first()


def render(template: str, value: float) -> bytes:
    """The payload: ``{value}`` replaced by the value as a plain number (``1250``, ``1.5``)."""
    whole = math.isfinite(value) and value == int(value)
    number = str(int(value)) if whole else repr(float(value))
    return template.replace("{value}", number).encode()


def publish(runner: Any, device_id: int, target: dict[str, Any], value: float) -> Deferred[None]:
    """Publish the command through the running MQTT source (reactor thread)."""
    if not isinstance(runner, MqttDevices):
        return fail(NotPublished("MQTT is not polled by this poller"))
    return runner.publish(
        device_id, target["topic"], render(target.get("payload", "{value}"), value)
    )
