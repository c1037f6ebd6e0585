"""MQTT for SMVE: where values sit in payloads, topic filters, a client on the poller's
reactor, simulators of the detector's devices (shared docs/devices.md section 3).

- ``errors``: :class:`MqttError` and its subclasses.
- ``topics``: topic filters and wildcard matching.
- ``payload``: :class:`PayloadPath` and :class:`PayloadMapping`, a point's value read from a
  payload (plain, JSON field, JSON list element selected by a key), sans-I/O.
- ``client``: :class:`BrokerConnection`, subscribed and kept up with backoff (aiomqtt).
- ``simulator``: the detector's supplies and sensors, ``python -m protocols.mqtt.simulator``.

Nothing here imports Django.
"""

from .errors import BadPath, MalformedPayload, MqttError
from .payload import DataType, PayloadMapping, PayloadPath, Value, parse_document
from .topics import check_filter, has_wildcards, topic_matches

__all__ = [
    "BadPath",
    "DataType",
    "MalformedPayload",
    "MqttError",
    "PayloadMapping",
    "PayloadPath",
    "Value",
    "check_filter",
    "has_wildcards",
    "parse_document",
    "topic_matches",
]
