"""``retries`` becomes ``attempts``: the times a request is sent, the first included.

COMasters already counted that way; a Modbus device counted the tries after the first, so
its number grows by one and every device keeps trying exactly as often as before.
"""

import django.core.validators
from django.db import migrations, models
from django.db.models import F


def modbus_retries_to_attempts(apps, schema_editor):
    apps.get_model("poll", "ModbusDevice").objects.update(attempts=F("attempts") + 1)


def modbus_attempts_to_retries(apps, schema_editor):
    apps.get_model("poll", "ModbusDevice").objects.filter(attempts__gt=0).update(
        attempts=F("attempts") - 1
    )


ATTEMPTS = models.PositiveSmallIntegerField(
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
)


class Migration(migrations.Migration):
    dependencies = [
        ("poll", "0004_modbus_devices"),
    ]

    operations = [
        migrations.RenameField(model_name="comaster", old_name="retries", new_name="attempts"),
        migrations.RenameField(model_name="modbusdevice", old_name="retries", new_name="attempts"),
        migrations.RunPython(modbus_retries_to_attempts, modbus_attempts_to_retries),
        migrations.AlterField(model_name="comaster", name="attempts", field=ATTEMPTS),
        migrations.AlterField(model_name="modbusdevice", name="attempts", field=ATTEMPTS),
    ]
