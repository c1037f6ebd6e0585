"""MQTT: broker connections, and the devices that publish on them (docs/mqtt.md).

A broker connection is how the poller reaches one broker; several devices share it. A
device is the poller's link (online, offline, counters, link events, like a COMaster):
it is online while its topics are heard, and its optional status topic (a last will, say)
can put it offline at once. Its points are ordinary AI and DI points that name the device,
a topic (wildcards allowed) and where the value sits in the payload
(:class:`~poll.models.points.Point`). Malformed payloads are counted in ``bad_frames``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from poll.models.field import Profile
from poll.models.link_state import PORT, LinkState
from poll.models.ranges import DAY, between, validate_finite, validate_host


class MqttBroker(models.Model):
    """One broker and how the poller connects to it."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="mqtt_brokers")
    name = models.CharField(max_length=60)
    enabled = models.BooleanField(default=True)
    shard = models.CharField(
        max_length=60,
        blank=True,
        help_text=(
            "The pollers that may connect to it: those started with poll --shard of this "
            "name (empty: any poller)."
        ),
    )
    host = models.CharField(
        max_length=255, validators=[validate_host], help_text="IP address or host name."
    )
    port = models.PositiveIntegerField(default=1883, validators=PORT)
    client_id = models.CharField(
        max_length=100,
        blank=True,
        help_text="Empty: the broker gives one (then keep the session clean).",
    )
    username = models.CharField(max_length=100, blank=True)
    password = models.CharField(max_length=200, blank=True)
    tls = models.BooleanField("TLS", default=False)
    ca_file = models.CharField(
        "CA file",
        max_length=500,
        blank=True,
        help_text="PEM file of the CA that signed the broker's certificate (empty: the system's).",
    )
    cert_file = models.CharField(
        "client certificate",
        max_length=500,
        blank=True,
        help_text="PEM file, when the broker asks for a client certificate.",
    )
    key_file = models.CharField("client key", max_length=500, blank=True)
    keepalive = models.PositiveIntegerField(
        default=60, validators=between(5, 3600, "seconds"), help_text="Seconds (5 to 3600)."
    )
    clean_session = models.BooleanField(
        default=True, help_text="Off: a persistent session (the broker keeps QoS 1 messages)."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["profile", "name"]
        verbose_name = "MQTT broker"
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "name"],
                name="mqtt_broker_name_unique_in_profile",
                violation_error_message="An MQTT broker with this name exists in the profile.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MqttDevice(LinkState):
    """A device that publishes on a broker, with its communication state."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="mqtt_devices")
    broker = models.ForeignKey(MqttBroker, on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=60)
    expected_period = models.FloatField(
        default=1.0,
        validators=[validate_finite, *between(0.1, DAY, "seconds")],
        help_text="Seconds between the device's messages; a point silent for 3 times this "
        "(or its own stale time) is not current.",
    )
    status_topic = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional: a topic (its last will, say) whose payload says online or not.",
    )
    online_payload = models.CharField(
        max_length=60,
        default="online",
        blank=True,
        help_text="The status topic's payload when the device is online; any other is offline.",
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["profile", "name"]
        verbose_name = "MQTT device"
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "name"],
                name="mqtt_device_name_unique_in_profile",
                violation_error_message="An MQTT device with this name exists in the profile.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.broker_id and self.profile_id and self.broker.profile_id != self.profile_id:
            raise ValidationError({"broker": "The broker belongs to another profile."})
