"""The activations' KPI counts are added by their writer, one statement per batch
(alarms/counts.py), instead of by a trigger: on the poller's many small batches the
trigger's fixed cost was most of what alarms cost the database. Reversing brings the
trigger back and recounts the whole journal, as migration 0005 did."""

import importlib
from typing import Any

from django.db import migrations

_TRIGGER = importlib.import_module("alarms.migrations.0005_activation_counts")


def forward(apps: Any, schema_editor: Any) -> None:
    _TRIGGER.backward(apps, schema_editor)


def backward(apps: Any, schema_editor: Any) -> None:
    for model in ("ActivationCount", "AlarmDayCount"):
        apps.get_model("alarms", model).objects.all().delete()
    _TRIGGER.forward(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("alarms", "0008_journal_foreign_key_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
