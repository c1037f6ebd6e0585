"""The field model as 0001-0013 leave it, in one step for new installations.

The schema is the models' own; what the replaced migrations did beyond it runs at the end
through their own functions: the role groups (0002), the sample table's monthly partitions
(0010) and the fill factors that keep point and link-state updates HOT (0013; 0009's were
superseded by it). 0005 only converted existing rows and has nothing to do here.
"""

from importlib import import_module

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import poll.models.ranges

roles = import_module("poll.migrations.0002_roles")
sample_partitions = import_module("poll.migrations.0010_sample_partitions")
link_state_updates_hot = import_module("poll.migrations.0013_link_state_updates_hot")


class Migration(migrations.Migration):
    replaces = [
        ("poll", "0001_field_model"),
        ("poll", "0002_roles"),
        ("poll", "0003_profile_config_version_sample_unique"),
        ("poll", "0004_modbus_devices"),
        ("poll", "0005_attempts"),
        ("poll", "0006_field_ranges"),
        ("poll", "0007_mqtt_devices"),
        ("poll", "0008_poller_heartbeat"),
        ("poll", "0009_point_updates_hot"),
        ("poll", "0010_sample_partitions"),
        ("poll", "0011_history_policies"),
        ("poll", "0012_link_leases"),
        ("poll", "0013_link_state_updates_hot"),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="COMaster",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("enabled", models.BooleanField(default=True)),
                ("online", models.BooleanField(default=False, editable=False)),
                ("state_since", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_poll_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_error", models.CharField(blank=True, editable=False, max_length=300)),
                ("polls", models.BigIntegerField(default=0, editable=False)),
                ("timeouts", models.BigIntegerField(default=0, editable=False)),
                ("bad_frames", models.BigIntegerField(default=0, editable=False)),
                ("events_received", models.BigIntegerField(default=0, editable=False)),
                ("reconnects", models.BigIntegerField(default=0, editable=False)),
                ("latency_ms", models.FloatField(blank=True, editable=False, null=True)),
                ("revision", models.BigIntegerField(default=0, editable=False)),
                (
                    "host",
                    models.CharField(
                        help_text="IP address or host name.",
                        max_length=255,
                        validators=[poll.models.ranges.validate_host],
                    ),
                ),
                (
                    "shard",
                    models.CharField(
                        blank=True,
                        help_text="The pollers that may poll it: those started with poll --shard of this name (empty: any poller).",
                        max_length=60,
                    ),
                ),
                (
                    "attempts",
                    models.PositiveSmallIntegerField(
                        default=3,
                        help_text="Times a request is sent, the first included, before the device is marked offline.",
                        validators=[
                            django.core.validators.MinValueValidator(
                                1, "Must be within 1..10 (tries of a request, the first included)."
                            ),
                            django.core.validators.MaxValueValidator(
                                10, "Must be within 1..10 (tries of a request, the first included)."
                            ),
                        ],
                    ),
                ),
                ("name", models.CharField(max_length=60)),
                (
                    "port",
                    models.PositiveIntegerField(
                        default=9761,
                        validators=[
                            django.core.validators.MinValueValidator(
                                1, "Must be within 1..65535 (a TCP port)."
                            ),
                            django.core.validators.MaxValueValidator(
                                65535, "Must be within 1..65535 (a TCP port)."
                            ),
                        ],
                    ),
                ),
                (
                    "address",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="The COMaster's Mara address.",
                        validators=[
                            django.core.validators.MinValueValidator(
                                0, "Must be within 0..254 (one byte; 255 is the broadcast)."
                            ),
                            django.core.validators.MaxValueValidator(
                                254, "Must be within 0..254 (one byte; 255 is the broadcast)."
                            ),
                        ],
                    ),
                ),
                (
                    "master_address",
                    models.PositiveSmallIntegerField(
                        default=64,
                        help_text="Our Mara address (0x40 = 64).",
                        validators=[
                            django.core.validators.MinValueValidator(
                                0, "Must be within 0..254 (one byte; 255 is the broadcast)."
                            ),
                            django.core.validators.MaxValueValidator(
                                254, "Must be within 0..254 (one byte; 255 is the broadcast)."
                            ),
                        ],
                    ),
                ),
                (
                    "poll_interval",
                    models.FloatField(
                        default=5.0,
                        help_text="Seconds between polls.",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0.5, "Must be within 0.5..86400 (half a second to one day)."
                            ),
                            django.core.validators.MaxValueValidator(
                                86400.0, "Must be within 0.5..86400 (half a second to one day)."
                            ),
                        ],
                    ),
                ),
                (
                    "reply_timeout",
                    models.FloatField(
                        default=2.0,
                        help_text="Seconds to wait for a reply.",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0.1, "Must be within 0.1..60 (seconds)."
                            ),
                            django.core.validators.MaxValueValidator(
                                60.0, "Must be within 0.1..60 (seconds)."
                            ),
                        ],
                    ),
                ),
                (
                    "time_set_interval",
                    models.FloatField(
                        default=3600.0,
                        help_text="Seconds between time-set (PEH) broadcasts.",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                10, "Must be within 10..86400 (ten seconds to one day)."
                            ),
                            django.core.validators.MaxValueValidator(
                                86400.0, "Must be within 10..86400 (ten seconds to one day)."
                            ),
                        ],
                    ),
                ),
                ("description", models.TextField(blank=True)),
                (
                    "seq",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        editable=False,
                        help_text="SEQ of the last reply stored: where any poller that takes the link resumes.",
                        null=True,
                    ),
                ),
            ],
            options={
                "verbose_name": "COMaster",
                "ordering": ["profile", "name"],
            },
        ),
        migrations.CreateModel(
            name="ModbusDevice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("enabled", models.BooleanField(default=True)),
                ("online", models.BooleanField(default=False, editable=False)),
                ("state_since", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_poll_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_error", models.CharField(blank=True, editable=False, max_length=300)),
                ("polls", models.BigIntegerField(default=0, editable=False)),
                ("timeouts", models.BigIntegerField(default=0, editable=False)),
                ("bad_frames", models.BigIntegerField(default=0, editable=False)),
                ("events_received", models.BigIntegerField(default=0, editable=False)),
                ("reconnects", models.BigIntegerField(default=0, editable=False)),
                ("latency_ms", models.FloatField(blank=True, editable=False, null=True)),
                ("revision", models.BigIntegerField(default=0, editable=False)),
                (
                    "host",
                    models.CharField(
                        help_text="IP address or host name.",
                        max_length=255,
                        validators=[poll.models.ranges.validate_host],
                    ),
                ),
                (
                    "shard",
                    models.CharField(
                        blank=True,
                        help_text="The pollers that may poll it: those started with poll --shard of this name (empty: any poller).",
                        max_length=60,
                    ),
                ),
                (
                    "attempts",
                    models.PositiveSmallIntegerField(
                        default=3,
                        help_text="Times a request is sent, the first included, before the device is marked offline.",
                        validators=[
                            django.core.validators.MinValueValidator(
                                1, "Must be within 1..10 (tries of a request, the first included)."
                            ),
                            django.core.validators.MaxValueValidator(
                                10, "Must be within 1..10 (tries of a request, the first included)."
                            ),
                        ],
                    ),
                ),
                ("name", models.CharField(max_length=60)),
                (
                    "port",
                    models.PositiveIntegerField(
                        default=502,
                        validators=[
                            django.core.validators.MinValueValidator(
                                1, "Must be within 1..65535 (a TCP port)."
                            ),
                            django.core.validators.MaxValueValidator(
                                65535, "Must be within 1..65535 (a TCP port)."
                            ),
                        ],
                    ),
                ),
                (
                    "unit",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="Modbus unit (slave) id: 1..247 behind a serial gateway (the RS485 address); 0..247 or 255 for a Modbus TCP device.",
                        validators=[
                            django.core.validators.MinValueValidator(
                                0, "Must be within 0..255 (one byte)."
                            ),
                            django.core.validators.MaxValueValidator(
                                255, "Must be within 0..255 (one byte)."
                            ),
                        ],
                        verbose_name="unit id",
                    ),
                ),
                (
                    "framing",
                    models.CharField(
                        choices=[
                            ("tcp", "Modbus TCP"),
                            ("rtu", "RTU framing over TCP (serial gateway)"),
                        ],
                        default="tcp",
                        max_length=3,
                    ),
                ),
                (
                    "poll_interval",
                    models.FloatField(
                        default=1.0,
                        help_text="Seconds between read cycles (0.5 s to one day).",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0.5, "Must be within 0.5..86400 (half a second to one day)."
                            ),
                            django.core.validators.MaxValueValidator(
                                86400.0, "Must be within 0.5..86400 (half a second to one day)."
                            ),
                        ],
                    ),
                ),
                (
                    "reply_timeout",
                    models.FloatField(
                        default=1.0,
                        help_text="Seconds to wait for a reply.",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0.05, "Must be within 0.05..60 (seconds)."
                            ),
                            django.core.validators.MaxValueValidator(
                                60.0, "Must be within 0.05..60 (seconds)."
                            ),
                        ],
                    ),
                ),
                ("description", models.TextField(blank=True)),
                ("exceptions", models.BigIntegerField(default=0, editable=False)),
            ],
            options={
                "verbose_name": "Modbus device",
                "ordering": ["profile", "name"],
            },
        ),
        migrations.CreateModel(
            name="MqttBroker",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60)),
                ("enabled", models.BooleanField(default=True)),
                (
                    "shard",
                    models.CharField(
                        blank=True,
                        help_text="The pollers that may connect to it: those started with poll --shard of this name (empty: any poller).",
                        max_length=60,
                    ),
                ),
                (
                    "host",
                    models.CharField(
                        help_text="IP address or host name.",
                        max_length=255,
                        validators=[poll.models.ranges.validate_host],
                    ),
                ),
                (
                    "port",
                    models.PositiveIntegerField(
                        default=1883,
                        validators=[
                            django.core.validators.MinValueValidator(
                                1, "Must be within 1..65535 (a TCP port)."
                            ),
                            django.core.validators.MaxValueValidator(
                                65535, "Must be within 1..65535 (a TCP port)."
                            ),
                        ],
                    ),
                ),
                (
                    "client_id",
                    models.CharField(
                        blank=True,
                        help_text="Empty: the broker gives one (then keep the session clean).",
                        max_length=100,
                    ),
                ),
                ("username", models.CharField(blank=True, max_length=100)),
                ("password", models.CharField(blank=True, max_length=200)),
                ("tls", models.BooleanField(default=False, verbose_name="TLS")),
                (
                    "ca_file",
                    models.CharField(
                        blank=True,
                        help_text="PEM file of the CA that signed the broker's certificate (empty: the system's).",
                        max_length=500,
                        verbose_name="CA file",
                    ),
                ),
                (
                    "cert_file",
                    models.CharField(
                        blank=True,
                        help_text="PEM file, when the broker asks for a client certificate.",
                        max_length=500,
                        verbose_name="client certificate",
                    ),
                ),
                (
                    "key_file",
                    models.CharField(blank=True, max_length=500, verbose_name="client key"),
                ),
                (
                    "keepalive",
                    models.PositiveIntegerField(
                        default=60,
                        help_text="Seconds (5 to 3600).",
                        validators=[
                            django.core.validators.MinValueValidator(
                                5, "Must be within 5..3600 (seconds)."
                            ),
                            django.core.validators.MaxValueValidator(
                                3600, "Must be within 5..3600 (seconds)."
                            ),
                        ],
                    ),
                ),
                (
                    "clean_session",
                    models.BooleanField(
                        default=True,
                        help_text="Off: a persistent session (the broker keeps QoS 1 messages).",
                    ),
                ),
                ("description", models.TextField(blank=True)),
            ],
            options={
                "verbose_name": "MQTT broker",
                "ordering": ["profile", "name"],
            },
        ),
        migrations.CreateModel(
            name="PollerHeartbeat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="the poller's host name", max_length=100, unique=True
                    ),
                ),
                ("started_at", models.DateTimeField(help_text="when this poller process started")),
                (
                    "beat_at",
                    models.DateTimeField(help_text="the writer's last visit to the database"),
                ),
                (
                    "backlog",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="journal entries not yet written to the database, at the beat",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Revision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("source", models.CharField(blank=True, max_length=60)),
            ],
            options={
                "ordering": ["-id"],
            },
        ),
        migrations.CreateModel(
            name="IED",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "offset",
                    models.PositiveSmallIntegerField(
                        help_text="Order of this IED in the COMaster's tables (0 = the COMaster itself)."
                    ),
                ),
                (
                    "address",
                    models.PositiveSmallIntegerField(
                        help_text="RS485 address, as it appears in events (0..15).",
                        validators=[
                            django.core.validators.MinValueValidator(
                                0,
                                "Must be within 0..15 (4 bits in events; 0 is the COMaster itself).",
                            ),
                            django.core.validators.MaxValueValidator(
                                15,
                                "Must be within 0..15 (4 bits in events; 0 is the COMaster itself).",
                            ),
                        ],
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                (
                    "comaster",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ieds",
                        to="poll.comaster",
                    ),
                ),
            ],
            options={
                "verbose_name": "IED",
                "ordering": ["comaster", "offset"],
            },
        ),
        migrations.CreateModel(
            name="MqttDevice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("enabled", models.BooleanField(default=True)),
                ("online", models.BooleanField(default=False, editable=False)),
                ("state_since", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_poll_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_error", models.CharField(blank=True, editable=False, max_length=300)),
                ("polls", models.BigIntegerField(default=0, editable=False)),
                ("timeouts", models.BigIntegerField(default=0, editable=False)),
                ("bad_frames", models.BigIntegerField(default=0, editable=False)),
                ("events_received", models.BigIntegerField(default=0, editable=False)),
                ("reconnects", models.BigIntegerField(default=0, editable=False)),
                ("latency_ms", models.FloatField(blank=True, editable=False, null=True)),
                ("revision", models.BigIntegerField(default=0, editable=False)),
                ("name", models.CharField(max_length=60)),
                (
                    "expected_period",
                    models.FloatField(
                        default=1.0,
                        help_text="Seconds between the device's messages; a point silent for 3 times this (or its own stale time) is not current.",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0.1, "Must be within 0.1..86400 (seconds)."
                            ),
                            django.core.validators.MaxValueValidator(
                                86400.0, "Must be within 0.1..86400 (seconds)."
                            ),
                        ],
                    ),
                ),
                (
                    "status_topic",
                    models.CharField(
                        blank=True,
                        help_text="Optional: a topic (its last will, say) whose payload says online or not.",
                        max_length=200,
                    ),
                ),
                (
                    "online_payload",
                    models.CharField(
                        blank=True,
                        default="online",
                        help_text="The status topic's payload when the device is online; any other is offline.",
                        max_length=60,
                    ),
                ),
                ("description", models.TextField(blank=True)),
                (
                    "broker",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="devices",
                        to="poll.mqttbroker",
                    ),
                ),
            ],
            options={
                "verbose_name": "MQTT device",
                "ordering": ["profile", "name"],
            },
        ),
        migrations.CreateModel(
            name="Point",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("sv", "System variable"),
                            ("di", "Digital input"),
                            ("ai", "Analog input"),
                        ],
                        max_length=2,
                    ),
                ),
                (
                    "tag",
                    models.CharField(
                        max_length=40,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Za-z0-9_]+$",
                                "A tag is made of letters, digits and underscores only (as formulas name it).",
                            )
                        ],
                    ),
                ),
                ("description", models.CharField(blank=True, max_length=200)),
                (
                    "offset",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Position within the IED: byte for an SV, order for a DI or AI.",
                    ),
                ),
                (
                    "port",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="DI: port in events.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(
                                0, "Must be within 0..7 (3 bits in events)."
                            ),
                            django.core.validators.MaxValueValidator(
                                7, "Must be within 0..7 (3 bits in events)."
                            ),
                        ],
                    ),
                ),
                (
                    "bit",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="DI: bit in events. SV: the bit of the byte (empty = the whole byte). Modbus: the bit of a register (empty = the whole register).",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(
                                0, "Must be within 0..15 (4 bits in events; a register's 16 bits)."
                            ),
                            django.core.validators.MaxValueValidator(
                                15, "Must be within 0..15 (4 bits in events; a register's 16 bits)."
                            ),
                        ],
                    ),
                ),
                (
                    "inverted",
                    models.BooleanField(default=False, help_text="DI: store the inverted signal."),
                ),
                (
                    "text_off",
                    models.CharField(blank=True, max_length=40, verbose_name="text for 0"),
                ),
                ("text_on", models.CharField(blank=True, max_length=40, verbose_name="text for 1")),
                (
                    "channel",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="AI: the IED's energy channel this AI records, if any.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(
                                0, "Must be within 0..7 (3 bits in energy events)."
                            ),
                            django.core.validators.MaxValueValidator(
                                7, "Must be within 0..7 (3 bits in energy events)."
                            ),
                        ],
                    ),
                ),
                ("unit", models.CharField(blank=True, max_length=20)),
                (
                    "escala",
                    models.FloatField(
                        default=1.0,
                        help_text="AI: engineering value = raw x escala.",
                        validators=[
                            poll.models.ranges.validate_finite,
                            poll.models.ranges.validate_not_zero,
                        ],
                    ),
                ),
                (
                    "low_limit",
                    models.FloatField(
                        blank=True, null=True, validators=[poll.models.ranges.validate_finite]
                    ),
                ),
                (
                    "high_limit",
                    models.FloatField(
                        blank=True, null=True, validators=[poll.models.ranges.validate_finite]
                    ),
                ),
                (
                    "history",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "default (AI: deadband; DI, SV: on change)"),
                            ("off", "off"),
                            ("change", "on change"),
                            ("deadband", "deadband, with minimum and maximum interval"),
                            ("every", "every reading"),
                        ],
                        default="",
                        max_length=8,
                    ),
                ),
                (
                    "deadband",
                    models.FloatField(
                        default=0.0,
                        help_text="History keeps a sample when the value moves more than this.",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0, "Must be at least 0 (a change of value)."
                            ),
                        ],
                    ),
                ),
                (
                    "deadband_percent",
                    models.BooleanField(
                        default=False,
                        help_text="The deadband is a % of the point's span (high limit - low limit).",
                        verbose_name="deadband in %",
                    ),
                ),
                (
                    "history_min_interval",
                    models.FloatField(
                        default=0.0,
                        help_text="Seconds: no sample sooner than this after the last one (quality changes and communication losses are always kept).",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0, "Must be at least 0 (seconds)."
                            ),
                        ],
                        verbose_name="minimum interval",
                    ),
                ),
                (
                    "history_max_interval",
                    models.FloatField(
                        default=900.0,
                        help_text="Seconds: a sample even when the value stays flat (0: none).",
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0, "Must be at least 0 (seconds)."
                            ),
                        ],
                        verbose_name="maximum interval",
                    ),
                ),
                (
                    "table",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("coil", "coil"),
                            ("discrete_input", "discrete input"),
                            ("holding_register", "holding register"),
                            ("input_register", "input register"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "address",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Modbus address.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(
                                0, "Must be within 0..65535 (a Modbus address)."
                            ),
                            django.core.validators.MaxValueValidator(
                                65535, "Must be within 0..65535 (a Modbus address)."
                            ),
                        ],
                    ),
                ),
                (
                    "data_type",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("bool", "bool"),
                            ("int16", "int16"),
                            ("uint16", "uint16"),
                            ("int32", "int32"),
                            ("uint32", "uint32"),
                            ("float32", "float32"),
                            ("float64", "float64"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "word_order",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("ABCD", "ABCD (high word first)"),
                            ("CDAB", "CDAB (low word first)"),
                        ],
                        default="ABCD",
                        help_text="Modbus: for values wider than a register (empty = ABCD).",
                        max_length=4,
                    ),
                ),
                (
                    "value_offset",
                    models.FloatField(
                        default=0.0,
                        help_text="Modbus: engineering value = raw x escala + offset.",
                        validators=[poll.models.ranges.validate_finite],
                        verbose_name="offset",
                    ),
                ),
                (
                    "writable",
                    models.BooleanField(
                        default=False, help_text="Modbus: a coil or holding register."
                    ),
                ),
                (
                    "alarm",
                    models.BooleanField(
                        default=False,
                        help_text="Modbus DI: a 0 -> 1 edge is stored as a time-stamped event.",
                    ),
                ),
                (
                    "topic",
                    models.CharField(
                        blank=True,
                        help_text="MQTT: the topic; + and # wildcards allowed.",
                        max_length=200,
                    ),
                ),
                (
                    "payload_path",
                    models.CharField(
                        blank=True,
                        help_text="MQTT: where the value sits: empty for a plain payload, meas1 for a JSON field, [number == 0].vreq for a field of the list element whose number is 0.",
                        max_length=200,
                    ),
                ),
                (
                    "stale_after",
                    models.FloatField(
                        blank=True,
                        help_text="MQTT: seconds without a message before the point is not current (empty: 3 times its device's expected period).",
                        null=True,
                        validators=[
                            poll.models.ranges.validate_finite,
                            django.core.validators.MinValueValidator(
                                0.1, "Must be at least 0.1 (seconds)."
                            ),
                        ],
                    ),
                ),
                ("value", models.FloatField(blank=True, editable=False, null=True)),
                (
                    "q",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "normal"),
                            (1, "stalled or forced"),
                            (2, "calculated"),
                            (3, "other"),
                            (4, "no data"),
                        ],
                        default=0,
                        editable=False,
                    ),
                ),
                (
                    "current",
                    models.BooleanField(
                        default=False,
                        editable=False,
                        help_text="False while its source does not answer.",
                    ),
                ),
                ("updated_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("revision", models.BigIntegerField(default=0, editable=False)),
                (
                    "ied",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="points",
                        to="poll.ied",
                        verbose_name="IED",
                    ),
                ),
                (
                    "modbus_device",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="points",
                        to="poll.modbusdevice",
                    ),
                ),
                (
                    "mqtt_device",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="points",
                        to="poll.mqttdevice",
                        verbose_name="MQTT device",
                    ),
                ),
            ],
            options={
                "ordering": ["tag"],
            },
        ),
        migrations.CreateModel(
            name="AI",
            fields=[],
            options={
                "verbose_name": "AI (analog input)",
                "verbose_name_plural": "AIs (analog inputs)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("poll.point",),
        ),
        migrations.CreateModel(
            name="DI",
            fields=[],
            options={
                "verbose_name": "DI (digital input)",
                "verbose_name_plural": "DIs (digital inputs)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("poll.point",),
        ),
        migrations.CreateModel(
            name="SV",
            fields=[],
            options={
                "verbose_name": "SV (system variable)",
                "verbose_name_plural": "SVs (system variables)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("poll.point",),
        ),
        migrations.CreateModel(
            name="Profile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                ("description", models.TextField(blank=True)),
                (
                    "active",
                    models.BooleanField(
                        default=False,
                        help_text="The poller and the screens use the active profile.",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "config_version",
                    models.BigIntegerField(
                        default=0,
                        editable=False,
                        help_text="Counts configuration changes; the running poller follows it (poll/signals.py).",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("active", True)),
                        fields=("active",),
                        name="one_active_profile",
                        violation_error_message="Another profile is already active; deactivate it first.",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="point",
            name="profile",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="points",
                to="poll.profile",
            ),
        ),
        migrations.AddField(
            model_name="mqttdevice",
            name="profile",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="mqtt_devices",
                to="poll.profile",
            ),
        ),
        migrations.AddField(
            model_name="mqttbroker",
            name="profile",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="mqtt_brokers",
                to="poll.profile",
            ),
        ),
        migrations.AddField(
            model_name="modbusdevice",
            name="profile",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="modbus_devices",
                to="poll.profile",
            ),
        ),
        migrations.CreateModel(
            name="Event",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ied_address", models.PositiveSmallIntegerField()),
                ("port", models.PositiveSmallIntegerField()),
                ("bit", models.PositiveSmallIntegerField()),
                (
                    "time",
                    models.DateTimeField(
                        blank=True,
                        help_text="Field time; empty when the device sent an impossible date.",
                        null=True,
                    ),
                ),
                ("value", models.PositiveSmallIntegerField()),
                ("q", models.PositiveSmallIntegerField(default=0)),
                (
                    "raw",
                    models.CharField(help_text="The record as received, in hex.", max_length=64),
                ),
                ("dedup_key", models.CharField(editable=False, max_length=100, unique=True)),
                ("received_at", models.DateTimeField()),
                ("revision", models.BigIntegerField(default=0)),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                (
                    "acknowledged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "comaster",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="events",
                        to="poll.comaster",
                    ),
                ),
                (
                    "di",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when the event names an IED, port or bit that is not configured.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="events",
                        to="poll.point",
                        verbose_name="DI",
                    ),
                ),
                (
                    "profile",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="poll.profile",
                    ),
                ),
            ],
            options={
                "ordering": ["-time", "-id"],
                "permissions": [
                    ("acknowledge_event", "Can acknowledge events and alarms"),
                    ("send_command", "Can send commands to the field"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Energy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ied_address", models.PositiveSmallIntegerField()),
                ("channel", models.PositiveSmallIntegerField()),
                ("time", models.DateTimeField(blank=True, null=True)),
                ("code", models.PositiveSmallIntegerField()),
                ("value", models.BigIntegerField()),
                ("q", models.PositiveSmallIntegerField(default=0)),
                ("raw", models.CharField(max_length=64)),
                ("dedup_key", models.CharField(editable=False, max_length=100, unique=True)),
                ("received_at", models.DateTimeField()),
                ("revision", models.BigIntegerField(default=0)),
                (
                    "comaster",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="energy",
                        to="poll.comaster",
                    ),
                ),
                (
                    "ai",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when no AI is configured for the IED's channel.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="energy",
                        to="poll.point",
                        verbose_name="AI",
                    ),
                ),
                (
                    "profile",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="poll.profile",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "energy",
                "ordering": ["-time", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ComEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("field", "reported by the COMaster"),
                            ("poller", "seen by the poller"),
                        ],
                        default="field",
                        max_length=10,
                    ),
                ),
                ("ied_address", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("code", models.PositiveSmallIntegerField()),
                ("reason", models.PositiveSmallIntegerField(default=0)),
                ("text", models.CharField(blank=True, max_length=200)),
                ("time", models.DateTimeField(blank=True, null=True)),
                ("raw", models.CharField(blank=True, max_length=64)),
                (
                    "dedup_key",
                    models.CharField(editable=False, max_length=100, null=True, unique=True),
                ),
                ("received_at", models.DateTimeField()),
                ("revision", models.BigIntegerField(default=0)),
                (
                    "comaster",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="com_events",
                        to="poll.comaster",
                    ),
                ),
                (
                    "ied",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="com_events",
                        to="poll.ied",
                    ),
                ),
                (
                    "modbus_device",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="com_events",
                        to="poll.modbusdevice",
                    ),
                ),
                (
                    "mqtt_device",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="com_events",
                        to="poll.mqttdevice",
                    ),
                ),
                (
                    "profile",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="poll.profile",
                    ),
                ),
            ],
            options={
                "verbose_name": "communication event",
                "ordering": ["-received_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="comaster",
            name="profile",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comasters",
                to="poll.profile",
            ),
        ),
        migrations.CreateModel(
            name="Sample",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("time", models.DateTimeField()),
                ("value", models.FloatField(null=True)),
                ("q", models.PositiveSmallIntegerField(default=0)),
                (
                    "point",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="samples",
                        to="poll.point",
                    ),
                ),
            ],
            options={
                "ordering": ["point", "-time"],
            },
        ),
        migrations.AddConstraint(
            model_name="ied",
            constraint=models.UniqueConstraint(
                fields=("comaster", "address"),
                name="ied_address_unique_in_comaster",
                violation_error_message="Another IED of this COMaster has this RS485 address.",
            ),
        ),
        migrations.AddConstraint(
            model_name="ied",
            constraint=models.UniqueConstraint(
                fields=("comaster", "offset"),
                name="ied_offset_unique_in_comaster",
                violation_error_message="Another IED of this COMaster has this offset.",
            ),
        ),
        migrations.AddIndex(
            model_name="point",
            index=models.Index(fields=["ied", "kind", "offset"], name="point_ied_kind_offset"),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.UniqueConstraint(
                fields=("profile", "tag"),
                name="point_tag_unique_in_profile",
                violation_error_message="This tag is already used in the profile.",
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "di"), ("ied__isnull", False)),
                fields=("ied", "offset"),
                name="di_offset_unique_in_ied",
                violation_error_message="Another DI of this IED has this offset.",
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "di"), ("ied__isnull", False)),
                fields=("ied", "port", "bit"),
                name="di_port_bit_unique_in_ied",
                violation_error_message="Another DI of this IED has this port and bit.",
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "ai"), ("ied__isnull", False)),
                fields=("ied", "offset"),
                name="ai_offset_unique_in_ied",
                violation_error_message="Another AI of this IED has this offset.",
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["sv", "di", "ai"])), name="point_kind_known"
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "di"), _negated=True),
                    ("modbus_device__isnull", False),
                    ("mqtt_device__isnull", False),
                    models.Q(("port__isnull", False), ("bit__isnull", False)),
                    _connector="OR",
                ),
                name="di_has_port_and_bit",
                violation_error_message="A DI needs a port and a bit.",
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "sv"), _negated=True),
                    ("bit__isnull", True),
                    ("bit__lte", 7),
                    _connector="OR",
                ),
                name="sv_bit_in_byte",
                violation_error_message="An SV bit is 0..7.",
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("ied__isnull", False),
                        models.Q(("modbus_device__isnull", False), _negated=True),
                        models.Q(("mqtt_device__isnull", False), _negated=True),
                    ),
                    models.Q(
                        models.Q(("ied__isnull", False), _negated=True),
                        ("modbus_device__isnull", False),
                        models.Q(("mqtt_device__isnull", False), _negated=True),
                    ),
                    models.Q(
                        models.Q(("ied__isnull", False), _negated=True),
                        models.Q(("modbus_device__isnull", False), _negated=True),
                        ("mqtt_device__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="point_has_one_source",
                violation_error_message="A point belongs to an IED, to a Modbus device or to an MQTT device.",
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("mqtt_device__isnull", False), _negated=True),
                    models.Q(("kind__in", ["di", "ai"]), models.Q(("topic", ""), _negated=True)),
                    _connector="OR",
                ),
                name="mqtt_point_has_topic",
                violation_error_message="An MQTT point is an AI or a DI with a topic.",
            ),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("modbus_device__isnull", False), _negated=True),
                    models.Q(
                        ("kind__in", ["di", "ai"]),
                        models.Q(("table", ""), _negated=True),
                        ("address__isnull", False),
                        models.Q(("data_type", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="modbus_point_has_address",
                violation_error_message="A Modbus point is an AI or a DI with a table, an address and a data type.",
            ),
        ),
        migrations.AddConstraint(
            model_name="mqttdevice",
            constraint=models.UniqueConstraint(
                fields=("profile", "name"),
                name="mqtt_device_name_unique_in_profile",
                violation_error_message="An MQTT device with this name exists in the profile.",
            ),
        ),
        migrations.AddConstraint(
            model_name="mqttbroker",
            constraint=models.UniqueConstraint(
                fields=("profile", "name"),
                name="mqtt_broker_name_unique_in_profile",
                violation_error_message="An MQTT broker with this name exists in the profile.",
            ),
        ),
        migrations.AddConstraint(
            model_name="modbusdevice",
            constraint=models.UniqueConstraint(
                fields=("profile", "name"),
                name="modbus_device_name_unique_in_profile",
                violation_error_message="A Modbus device with this name exists in the profile.",
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["profile", "-time"], name="event_profile_time"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["profile", "revision"], name="event_profile_revision"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["profile", "acknowledged_at"], name="event_profile_ack"),
        ),
        migrations.AddIndex(
            model_name="energy",
            index=models.Index(fields=["ai", "-time"], name="energy_ai_time"),
        ),
        migrations.AddIndex(
            model_name="comevent",
            index=models.Index(fields=["comaster", "-received_at"], name="comevent_time"),
        ),
        migrations.AddConstraint(
            model_name="comaster",
            constraint=models.UniqueConstraint(
                fields=("profile", "name"),
                name="comaster_name_unique_in_profile",
                violation_error_message="A COMaster with this name exists in the profile.",
            ),
        ),
        migrations.AddConstraint(
            model_name="sample",
            constraint=models.UniqueConstraint(
                fields=("point", "time"), name="sample_unique_point_time"
            ),
        ),
        migrations.RunPython(roles.create_roles, roles.remove_roles),
        migrations.RunPython(sample_partitions.partition, sample_partitions.unpartition),
        migrations.RunPython(
            link_state_updates_hot.leave_room_in_pages, link_state_updates_hot.fill_pages
        ),
    ]
