"""Simulators of the detector's MQTT devices (shared docs/devices.md section 3).

- ``devices``: the power supplies and sensors as plain objects (no I/O): the payloads they
  publish, the commands they obey or reject, the voltage ramp.
- ``runner``: :class:`Detector`, those devices on a broker with the JSON-lines control
  interface; ``python -m protocols.mqtt.simulator [--host H --port P --topic-prefix X]``.
"""
