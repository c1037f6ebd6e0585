"""Many alarms at once, for the poller's batches: lock them, store their new states and
their journal rows, each in one statement, without a model instance per row.

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
    """An alarm's stored fields as locked for a batch: what :func:`~alarms.transitions.
    step_alarm` reads and sets."""

    __slots__ = ("pk", *ALARM_FIELDS)
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

    def __init__(self, row: Sequence[Any]) -> None:
        for name, value in zip(self.__slots__, row, strict=True):
            setattr(self, name, value)


def _binary_cursor() -> Any:
    """A cursor binding parameters server-side in binary (Django's quotes arrays as text,
    several times dearer for thousands of values)."""
    import psycopg

    return psycopg.Cursor(connection.connection)


def lock(alarm_ids: Iterable[int]) -> dict[int, AlarmRow]:
    """The alarms ``alarm_ids`` under a row lock (``FOR UPDATE`` on PostgreSQL; SQLite
    serialises whole write transactions), by id. Call in a transaction."""
    ids = list(alarm_ids)
    names = ", ".join(("id", *ALARM_FIELDS))
    if connection.vendor == "postgresql":
        with _binary_cursor() as cursor:
            cursor.execute(
                f"SELECT {names} FROM {ALARM_TABLE} WHERE id = ANY(%b) FOR UPDATE",  # noqa: S608
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


def update(alarms: Sequence[AlarmRow]) -> None:
    """Store the alarms' fields in one statement."""
    if not alarms:
        return
    if connection.vendor == "postgresql":
        names = ", ".join(ALARM_FIELDS)
        arrays = ", ".join(f"%b::{kind}[]" for kind in _ALARM_TYPES)
        assignments = ", ".join(f"{field} = u.{field}" for field in ALARM_FIELDS)
        columns = [[alarm.pk for alarm in alarms]]
        columns += [[getattr(alarm, field) for alarm in alarms] for field in ALARM_FIELDS]
        with _binary_cursor() as cursor:
            cursor.execute(
                f"UPDATE {ALARM_TABLE} AS a SET {assignments} "  # noqa: S608 - names from code
                f"FROM unnest(%b::bigint[], {arrays}) AS u(id, {names}) WHERE a.id = u.id",
                columns,
            )
        return
    assignments = ", ".join(f"{field} = %s" for field in ALARM_FIELDS)
    rows = [[*(_stored(getattr(a, f)) for f in ALARM_FIELDS), a.pk] for a in alarms]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {ALARM_TABLE} SET {assignments} WHERE id = %s",  # noqa: S608
            rows,
        )


def insert_journal(rows: Sequence[JournalRow]) -> None:
    """Insert the journal rows in one statement."""
    if not rows:
        return
    names = ", ".join(JOURNAL_FIELDS)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%b::{kind}[]" for kind in _JOURNAL_TYPES)
        with _binary_cursor() as cursor:
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
