"""The MQTT source: devices that publish on brokers (docs/mqtt.md)."""
