"""The MQTT protocol tests' brokers, for the poller's tests too."""

from tests.protocols.mqtt.conftest import tls_broker  # noqa: F401
