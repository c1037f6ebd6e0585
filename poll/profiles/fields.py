"""Which model fields a profile file carries for each object, and the names it also accepts."""

from __future__ import annotations

from django.db import models

from poll.models import COMaster, ModbusDevice, PointKind
from poll.models.points import HISTORY_FIELDS

COMASTER_FIELDS = (
    "host",
    "port",
    "address",
    "master_address",
    "enabled",
    "poll_interval",
    "reply_timeout",
    "attempts",
    "time_set_interval",
    "description",
)
POINT_FIELDS = {
    PointKind.SV: ("offset", "bit", "description", *HISTORY_FIELDS),
    PointKind.DI: (
        "offset",
        "port",
        "bit",
        "inverted",
        "text_off",
        "text_on",
        "description",
        *HISTORY_FIELDS,
    ),
    PointKind.AI: (
        "offset",
        "channel",
        "unit",
        "escala",
        "low_limit",
        "high_limit",
        "description",
        *HISTORY_FIELDS,
    ),
}
MODBUS_DEVICE_FIELDS = (
    "host",
    "port",
    "unit",
    "framing",
    "enabled",
    "poll_interval",
    "reply_timeout",
    "attempts",
    "description",
)
MODBUS_POINT_FIELDS = (
    "kind",
    "table",
    "address",
    "data_type",
    "word_order",
    "bit",
    "escala",
    "value_offset",
    "unit",
    "low_limit",
    "high_limit",
    "inverted",
    "text_off",
    "text_on",
    "writable",
    "alarm",
    "description",
    *HISTORY_FIELDS,
)
MQTT_BROKER_FIELDS = (
    "host",
    "port",
    "client_id",
    "username",
    "password",
    "tls",
    "ca_file",
    "cert_file",
    "key_file",
    "keepalive",
    "clean_session",
    "enabled",
    "description",
)
MQTT_DEVICE_FIELDS = (
    "expected_period",
    "status_topic",
    "online_payload",
    "enabled",
    "description",
)
MQTT_POINT_FIELDS = (
    "kind",
    "topic",
    "payload_path",
    "escala",
    "value_offset",
    "unit",
    "stale_after",
    "low_limit",
    "high_limit",
    "inverted",
    "text_off",
    "text_on",
    "description",
    *HISTORY_FIELDS,
)
RETRIES_BEFORE_ATTEMPTS: dict[type[models.Model], int] = {COMaster: 0, ModbusDevice: 1}
"""What the deprecated ``retries`` key lacked to be ``attempts``: a COMaster's counted every
try, a Modbus device's only those after the first."""
# Short names accepted in files for readability.
FILE_ALIASES = {"low": "low_limit", "high": "high_limit"}
# Modbus points also take the names of the register maps (docs/modbus.md).
MODBUS_FILE_ALIASES = {
    **FILE_ALIASES,
    "type": "data_type",
    "scale": "escala",
    "offset": "value_offset",
}
# MQTT points take the payload mapping's names too (docs/mqtt.md).
MQTT_FILE_ALIASES = {
    **FILE_ALIASES,
    "path": "payload_path",
    "scale": "escala",
    "offset": "value_offset",
}
