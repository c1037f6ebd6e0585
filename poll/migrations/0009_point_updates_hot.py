"""Points' live-state updates become HOT on PostgreSQL.

The index on (profile, revision) made every poller update of a point write new entries in
every index of poll_point; no reader used it. Without it no index covers a column the
poller writes, and a fill factor of 70 leaves room in each page for the new row versions,
so PostgreSQL updates points in place on their page (heap-only tuples).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POINT_FILLFACTOR = 70


def leave_room_in_pages(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE poll_point SET (fillfactor = {POINT_FILLFACTOR})")


def fill_pages(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE poll_point RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("poll", "0008_poller_heartbeat"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="point", name="point_profile_revision"),
        migrations.RunPython(leave_room_in_pages, fill_pages),
    ]
