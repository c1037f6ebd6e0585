"""Simulators of the detector's MQTT devices (shared docs/devices.md section 3).

- ``devices``: the power supplies and sensors as plain objects (no I/O): the payloads they
  publish, the commands they obey or reject, the voltage ramp.
"""
