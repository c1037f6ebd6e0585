"""The Modbus source: Modbus TCP and RTU-over-TCP devices (docs/modbus.md)."""
