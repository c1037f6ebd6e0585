"""Each command kind's ``target`` settings: what they must hold, checked in one place.

A new kind (MQTT publish, ...) adds one checker here and nothing to the others' rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class TargetError(ValueError):
    """A target that does not fit its kind."""


def _integer(
    target: Mapping[str, Any], key: str, low: int, high: int, default: int | None = None
) -> int:
    value = target.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise TargetError(f"{key!r} must be a whole number from {low} to {high}.")
    return value


def _mara(target: Mapping[str, Any]) -> dict[str, Any]:
    # A Mara command names the IED's port and bit; the COMaster is the point's own.
    return {
        "port": _integer(target, "port", 0, 127),
        "bit": _integer(target, "bit", 0, 7),
    }


def _coil(target: Mapping[str, Any]) -> dict[str, Any]:
    return {"address": _integer(target, "address", 0, 65535)}


def _register(target: Mapping[str, Any]) -> dict[str, Any]:
    # Data type, word order and scale are the point's own (poll.Point), so they stay one.
    return {"address": _integer(target, "address", 0, 65535)}


def _mqtt(target: Mapping[str, Any]) -> dict[str, Any]:
    topic = target.get("topic")
    payload = target.get("payload", "{value}")
    if not isinstance(topic, str) or not topic or "#" in topic or "+" in topic:
        raise TargetError("'topic' must be a topic name without wildcards.")
    if not isinstance(payload, str):
        raise TargetError("'payload' must be a text template.")
    return {"topic": topic, "payload": payload}


_CHECKERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "mara_port_bit": _mara,
    "mara_logical_port": _mara,
    "modbus_coil": _coil,
    "modbus_register": _register,
    "mqtt_publish": _mqtt,
}


def check_target(kind: str, target: Any) -> dict[str, Any]:
    """The target, normalised, or :class:`TargetError` saying what is wrong."""
    checker = _CHECKERS.get(kind)
    if checker is None:
        raise TargetError(f"Unknown command kind {kind!r}.")
    if not isinstance(target, Mapping):
        raise TargetError("The target must be a JSON object.")
    return checker(target)
