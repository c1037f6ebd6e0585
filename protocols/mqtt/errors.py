"""The exceptions of the MQTT package: one base class, so that a caller can catch them all."""

from __future__ import annotations


class MqttError(Exception):
    """Base of every error raised by :mod:`protocols.mqtt`."""


class BadPath(MqttError, ValueError):
    """A payload path or topic filter that cannot be used (a configuration error)."""


class MalformedPayload(MqttError):
    """A message whose payload does not hold the value a point expects. The message is
    dropped for that point: a wrong value is never stored."""
