"""Links' communication-state updates become HOT on PostgreSQL, as points' did (0009).

The poller writes the state of every link that answered in each batch: at 1,000 COMasters
a second that is 1,000 row updates a second on ``poll_comaster``, none of them HOT while
``revision`` was indexed (no reader looks links up by it). Without the index no index covers
a column the poller writes. Every link's row is rewritten about once a second, so its page
must hold several versions of each row until they are pruned: these tables are small (one
row a device), and a fill factor of 25 costs little. Points change less often, each; their
fill factor goes from 70 to 50. A fill factor applies to pages written from now on (``VACUUM
FULL`` rewrites the existing ones).
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FILLFACTORS = {
    "poll_comaster": (25, None),
    "poll_modbusdevice": (25, None),
    "poll_mqttdevice": (25, None),
    "poll_point": (50, 70),
}
"""Each table's fill factor, and the one it had before (None: PostgreSQL's default)."""


def leave_room_in_pages(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table, (fillfactor, _) in FILLFACTORS.items():
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {fillfactor})")


def fill_pages(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table, (_, before) in FILLFACTORS.items():
            if before is None:
                schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")
            else:
                schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {before})")


class Migration(migrations.Migration):
    dependencies = [
        ("poll", "0012_link_leases"),
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
