"""Many alarms at once, for the poller's batches: read them, store their new states and
their journal rows, each in one statement, without a model instance per row.

The poller keeps the alarms it read in memory and takes no row lock to change them: its
:func:`update` stores a new state only where the row's revision is still the one it read
(``UPDATE ... WHERE revision = expected RETURNING id``) and answers the others, which the
web changed meanwhile (an acknowledge, a shelve: every change takes a new revision). The
poller reads those again under a lock and steps them anew, so neither change is lost. An
operator's action that holds the row makes the update wait, and PostgreSQL then checks the
revision against the committed row.

On PostgreSQL the rows travel as one array per column, bound server-side in binary, and
``unnest`` turns them back into a table (``UPDATE ... FROM unnest``, ``INSERT ... SELECT
FROM unnest``), as the poller's own batch statements do (poll/acquisition/sql/postgres.py);
elsewhere (SQLite) one ``executemany``. Values read are written back as read, so no
conversion is paid for the columns a transition leaves alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from alarms import binary
from alarms.models import Alarm, AlarmTransition
from alarms.transitions import ALARM_FIELDS, JournalRow

ALARM_TABLE = Alarm._meta.db_table
JOURNAL_TABLE = AlarmTransition._meta.db_table
JOURNAL_FIELDS = JournalRow._fields

# PostgreSQL types of ALARM_FIELDS and of the journal's columns, for their arrays.
_ALARM_TYPES = (
    "text", "bool", "bool", "timestamptz", "float8", "text", "timestamptz", "text", "bigint",
)  # fmt: skip
_JOURNAL_TYPES = (
    "bigint", "text", "text", "text", "timestamptz", "float8", "int", "text", "bigint",
    "text", "text",
)  # fmt: skip


class AlarmRow:
    """An alarm's stored fields: what :func:`~alarms.transitions.step_alarm` reads and
    sets, and ``expected``, the revision of the row as stored (what :func:`update` checks)."""

    __slots__ = ("pk", *ALARM_FIELDS, "expected")
    pk: int
    state: str
    active: bool
    suppressed: bool
    state_since: Any
    value: float | None
    message: str
    shelved_until: Any
    reason: str
    revision: int
    expected: int

    def __init__(self, row: Sequence[Any]) -> None:
        for name, value in zip(_READ, row, strict=True):
            setattr(self, name, value)
        self.expected = self.revision

    def copy(self) -> AlarmRow:
        """A copy to step, leaving this one as stored until the copy is."""
        return AlarmRow([getattr(self, name) for name in _READ])

    def stored(self) -> None:
        """The update stored this row: its revision is now the one to expect."""
        self.expected = self.revision


_READ = ("pk", *ALARM_FIELDS)


def read(alarm_ids: Iterable[int], *, lock: bool = False) -> dict[int, AlarmRow]:
    """The alarms ``alarm_ids`` by id; with ``lock``, under a row lock (``FOR UPDATE`` on
    PostgreSQL; SQLite serialises whole write transactions): call it in a transaction."""
    ids = list(alarm_ids)
    names = ", ".join(("id", *ALARM_FIELDS))
    if connection.vendor == "postgresql":
        with binary.cursor() as cursor:
            cursor.execute(
                f"SELECT {names} FROM {ALARM_TABLE} WHERE id = ANY(%b)"  # noqa: S608
                + (" FOR UPDATE" if lock else ""),
                [ids],
            )
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {names} FROM {ALARM_TABLE} "  # noqa: S608 - names from code
                "WHERE id IN (SELECT value FROM json_each(%s))",
                [json.dumps(ids)],
            )
            rows = cursor.fetchall()
    return {row[0]: AlarmRow(row) for row in rows}


def update(alarms: Sequence[AlarmRow]) -> set[int]:
    """Store the alarms' fields in one statement where their revision is still the one
    expected; answer the ids of the others (changed meanwhile, or deleted)."""
    if not alarms:
        return set()
    if connection.vendor == "postgresql":
        names = ", ".join(ALARM_FIELDS)
        arrays = ", ".join(f"%b::{kind}[]" for kind in _ALARM_TYPES)
        assignments = ", ".join(f"{field} = u.{field}" for field in ALARM_FIELDS)
        columns = [[alarm.pk for alarm in alarms], [alarm.expected for alarm in alarms]]
        columns += [[getattr(alarm, field) for alarm in alarms] for field in ALARM_FIELDS]
        with binary.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ALARM_TABLE} AS a SET {assignments} "  # noqa: S608 - names from code
                f"FROM unnest(%b::bigint[], %b::bigint[], {arrays}) "
                f"AS u(id, expected, {names}) "
                "WHERE a.id = u.id AND a.revision = u.expected RETURNING a.id",
                columns,
            )
            done = {row[0] for row in cursor.fetchall()}
    else:
        assignments = ", ".join(f"{field} = %s" for field in ALARM_FIELDS)
        sql = f"UPDATE {ALARM_TABLE} SET {assignments} WHERE id = %s AND revision = %s"  # noqa: S608
        done = set()
        with connection.cursor() as cursor:
            for alarm in alarms:
                cursor.execute(
                    sql,
                    [*(_stored(getattr(alarm, f)) for f in ALARM_FIELDS), alarm.pk, alarm.expected],
                )
                if cursor.rowcount:
                    done.add(alarm.pk)
    for alarm in alarms:
        if alarm.pk in done:
            alarm.stored()
    return {alarm.pk for alarm in alarms} - done


def insert_journal(rows: Sequence[JournalRow]) -> None:
    """Insert the journal rows in one statement."""
    if not rows:
        return
    names = ", ".join(JOURNAL_FIELDS)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%b::{kind}[]" for kind in _JOURNAL_TYPES)
        with binary.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {JOURNAL_TABLE} ({names}) SELECT * FROM unnest({arrays})",  # noqa: S608
                [list(column) for column in zip(*rows, strict=True)],
            )
        return
    marks = ", ".join(["%s"] * len(JOURNAL_FIELDS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {JOURNAL_TABLE} ({names}) VALUES ({marks})",  # noqa: S608
            [[_stored(value) for value in row] for row in rows],
        )


def _stored(value: Any) -> Any:
    """A value as SQLite stores it: an aware datetime as Django writes it (naive UTC text);
    anything else, including a datetime read back as text, as it is."""
    if isinstance(value, datetime):
        return str(value.astimezone(UTC).replace(tzinfo=None))
    return value
