"""Links' communication-state updates become HOT on PostgreSQL, as points' did (0009).

The poller writes the state of every link that answered in each batch: at 1,000 COMasters
a second that is 1,000 row updates a second on ``poll_comaster``, none of them HOT while
``revision`` was indexed (no reader looks links up by it). Without the index no index covers
a column the poller writes, and a fill factor of 70 leaves room in each page for the new
row versions.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

LINK_TABLES = ("poll_comaster", "poll_modbusdevice", "poll_mqttdevice")
FILLFACTOR = 70


def leave_room_in_pages(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table in LINK_TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def fill_pages(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table in LINK_TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("poll", "0009_point_updates_hot"),
    ]

    operations = [
        *(
            migrations.AlterField(
                model_name=model,
                name="revision",
                field=models.BigIntegerField(default=0, editable=False),
            )
            for model in ("comaster", "modbusdevice", "mqttdevice")
        ),
        migrations.RunPython(leave_room_in_pages, fill_pages),
    ]
