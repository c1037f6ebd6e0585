"""The statements that write a batch on PostgreSQL: one statement a table, whatever the
number of rows.

The rows travel as one array per column and ``unnest`` turns them back into a table
(``UPDATE ... FROM unnest(...)``, ``INSERT ... SELECT ... FROM unnest(...)``). That is the
multi-row ``VALUES`` idea with a statement text that never changes, so the server parses and
plans it once. Parameters are bound server-side in binary (``%b``).

Times travel as the batch holds them, integer microseconds since the epoch (``bigint``
arrays), and the statement turns them into ``timestamptz`` (:func:`_at`): exact, and no
``datetime`` is made in Python for a row. (The samples' statement, the historian's, binds
``timestamptz`` arrays.)
"""

from __future__ import annotations

import struct
from collections.abc import Collection, Sequence
from functools import cache
from typing import Any

from psycopg.errors import UniqueViolation

from poll.acquisition.batch import (
    ComEventRow,
    EnergyRow,
    EventRow,
    LinkEventRow,
    LinkStatus,
    PointChange,
    SampleRow,
    WriteBatch,
)
from poll.acquisition.links import LinkKind
from poll.acquisition.sql.statements import (
    REVISION_LOCK_KEY,
    TIME_FIELDS,
    as_datetime,
    columns,
    insert_link_events,
    same_time,
)

LINK_TYPES = {
    "online": "bool",
    "last_error": "text",
    "latency_ms": "float8",
}
"""PostgreSQL types of the link state columns; times and the counters are ``bigint``."""


def _at(micros: str) -> str:
    """SQL for the ``timestamptz`` of a ``bigint`` of microseconds since the epoch (NULL
    stays NULL). Whole seconds and the microseconds apart: a ``bigint`` times an interval
    goes through ``float8``, exact only up to 2**53 microseconds (the year 2255)."""
    return (
        f"('1970-01-01 00:00:00+00'::timestamptz + ({micros} / 1000000) * interval '1 second'"
        f" + ({micros} %% 1000000) * interval '1 microsecond')"
    )


class PostgresStatements:
    REVISION = """
        INSERT INTO poll_revision (created_at, source)
        SELECT now(), %b FROM (SELECT pg_advisory_xact_lock(%b)) AS locked
        RETURNING id"""
    POINTS = f"""
        UPDATE poll_point AS p
        SET value = COALESCE(v.value, p.value), q = COALESCE(v.q, p.q), current = v.current,
            updated_at = {_at("v.at")}, revision = %b
        FROM unnest(%b::bigint[], %b::float8[], %b::int[], %b::bool[], %b::bigint[])
            AS v(id, value, q, current, at)
        WHERE p.id = v.id AND (p.updated_at IS NULL OR p.updated_at <= {_at("v.at")})
        RETURNING p.id"""  # noqa: S608 - time expressions from code, values bound
    SAMPLES = """
        INSERT INTO poll_sample (point_id, time, value, q)
        SELECT v.point_id, v.time, v.value, v.q
        FROM unnest(%b::bigint[], %b::timestamptz[], %b::float8[], %b::int[])
            AS v(point_id, time, value, q)
        JOIN poll_point p ON p.id = v.point_id
        ON CONFLICT (point_id, time) DO NOTHING"""
    LOCK_POINTS = "SELECT id FROM poll_point WHERE id = ANY(%b::bigint[]) FOR KEY SHARE"
    COPY_SAMPLES = "COPY poll_sample (point_id, time, value, q) FROM STDIN (FORMAT BINARY)"
    EVENTS = f"""
        INSERT INTO poll_event (profile_id, comaster_id, di_id, ied_address, port, bit, time,
            value, q, raw, dedup_key, received_at, revision)
        SELECT v.profile_id, c.id, d.id, v.ied_address, v.port, v.bit, {_at("v.time")},
            v.value, v.q, v.raw, v.dedup_key, {_at("v.received_at")}, %b
        FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::int[], %b::int[], %b::int[],
                    %b::bigint[], %b::int[], %b::int[], %b::text[], %b::text[],
                    %b::bigint[])
            AS v(profile_id, comaster_id, di_id, ied_address, port, bit, time, value, q, raw,
                 dedup_key, received_at)
        JOIN poll_profile pr ON pr.id = v.profile_id
        LEFT JOIN poll_comaster c ON c.id = v.comaster_id
        LEFT JOIN poll_point d ON d.id = v.di_id
        ON CONFLICT (dedup_key) DO NOTHING"""  # noqa: S608 - time expressions from code, values bound
    ENERGY = f"""
        INSERT INTO poll_energy (profile_id, comaster_id, ai_id, ied_address, channel, time,
            code, value, q, raw, dedup_key, received_at, revision)
        SELECT v.profile_id, c.id, a.id, v.ied_address, v.channel, {_at("v.time")}, v.code,
            v.value, v.q, v.raw, v.dedup_key, {_at("v.received_at")}, %b
        FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::int[], %b::int[],
                    %b::bigint[], %b::int[], %b::bigint[], %b::int[], %b::text[],
                    %b::text[], %b::bigint[])
            AS v(profile_id, comaster_id, ai_id, ied_address, channel, time, code, value, q,
                 raw, dedup_key, received_at)
        JOIN poll_profile pr ON pr.id = v.profile_id
        LEFT JOIN poll_comaster c ON c.id = v.comaster_id
        LEFT JOIN poll_point a ON a.id = v.ai_id
        ON CONFLICT (dedup_key) DO NOTHING"""  # noqa: S608 - time expressions from code, values bound
    COM_EVENTS = f"""
        INSERT INTO poll_comevent (profile_id, comaster_id, ied_id, source, ied_address, code,
            reason, text, time, raw, dedup_key, received_at, revision)
        SELECT v.profile_id, c.id, i.id, v.source, v.ied_address, v.code, v.reason, v.text,
            {_at("v.time")}, v.raw, v.dedup_key, {_at("v.received_at")}, %b
        FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::text[], %b::int[],
                    %b::int[], %b::int[], %b::text[], %b::bigint[], %b::text[],
                    %b::text[], %b::bigint[])
            AS v(profile_id, comaster_id, ied_id, source, ied_address, code, reason, text,
                 time, raw, dedup_key, received_at)
        JOIN poll_profile pr ON pr.id = v.profile_id
        LEFT JOIN poll_comaster c ON c.id = v.comaster_id
        LEFT JOIN poll_ied i ON i.id = v.ied_id
        ON CONFLICT (dedup_key) DO NOTHING"""  # noqa: S608 - time expressions from code, values bound

    def new_revision(self, cursor: Any, source: str) -> int:
        cursor.execute(self.REVISION, [source, REVISION_LOCK_KEY])
        revision: int = cursor.fetchone()[0]
        return revision

    def update_points(
        self, cursor: Any, rows: Collection[PointChange], revision: int
    ) -> frozenset[int]:
        arrays = columns(rows, PointChange._fields, same_time)
        if not arrays:
            return frozenset()
        cursor.execute(self.POINTS, [revision, *arrays])
        return frozenset(point_id for (point_id,) in cursor.fetchall())

    def insert_records(self, cursor: Any, batch: WriteBatch, revision: int) -> int:
        inserted = 0
        for sql, rows, kind in (
            (self.EVENTS, batch.events, EventRow),
            (self.ENERGY, batch.energy, EnergyRow),
            (self.COM_EVENTS, batch.com_events, ComEventRow),
        ):
            arrays = columns(rows, kind._fields, same_time)
            if arrays:
                cursor.execute(sql, [revision, *arrays])
                inserted += cursor.rowcount
        return inserted

    def insert_samples(self, cursor: Any, rows: Sequence[SampleRow]) -> None:
        """COPY the samples in, in a savepoint; if some are stored already (a replayed
        batch), go back to the savepoint and insert them with :attr:`SAMPLES`, which skips
        those.

        COPY is the fastest way in, about twice the rows a second of the ``unnest`` insert
        (bench/history.py), and a replay is rare (after a crash or a database outage), so
        the fallback costs nothing in the normal case. The table has no foreign key (a
        check per row cost two thirds of the COPY): the batch's points are read and
        locked against deletion once (:attr:`LOCK_POINTS`) and samples of points deleted
        meanwhile are left out."""
        if not rows:
            return
        wanted = list({row.point_id for row in rows})
        cursor.execute(self.LOCK_POINTS, [wanted])
        existing = {point_id for (point_id,) in cursor.fetchall()}
        if len(existing) < len(wanted):
            rows = [row for row in rows if row.point_id in existing]
        cursor.execute("SAVEPOINT samples")
        try:
            with cursor.copy(self.COPY_SAMPLES) as copy:
                copy.write(copy_data(rows))
        except UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT samples")
            cursor.execute(self.SAMPLES, columns(rows, SampleRow._fields, as_datetime))
        cursor.execute("RELEASE SAVEPOINT samples")

    def update_links(
        self, cursor: Any, kind: LinkKind, rows: Collection[LinkStatus], revision: int
    ) -> None:
        names = kind.columns
        arrays = columns(rows, ("link_id", *names), same_time)
        if arrays:
            cursor.execute(_update_links(kind.table, names), [revision, *arrays])

    def insert_link_events(
        self, cursor: Any, kind: LinkKind, rows: Sequence[LinkEventRow], revision: int
    ) -> int:
        return insert_link_events(cursor, kind, rows, revision, as_datetime)


COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER = struct.pack(">h", -1)
_SAMPLE = struct.Struct(">hiqiqidih")
_SAMPLE_NO_VALUE = struct.Struct(">hiqiqiih")
PG_EPOCH_MICROS = 946_684_800_000_000
"""2000-01-01 UTC, PostgreSQL's epoch, in microseconds since the Unix epoch."""


def copy_data(rows: Sequence[SampleRow]) -> bytes:
    """Samples in COPY's binary format: per row 4 fields (point_id int8, time timestamptz as
    microseconds since 2000, value float8 or NULL, q int2), each its length then its bytes.

    One ``struct.pack`` a row from the microseconds the batch already holds: no ``datetime``
    a row (issue #19 found that conversion at 11% of the writer's CPU)."""
    return b"".join(
        [
            COPY_HEADER,
            *(
                _SAMPLE.pack(4, 8, point_id, 8, micros - PG_EPOCH_MICROS, 8, value, 2, q)
                if value is not None
                else _SAMPLE_NO_VALUE.pack(4, 8, point_id, 8, micros - PG_EPOCH_MICROS, -1, 2, q)
                for point_id, micros, value, q in rows
            ),
            COPY_TRAILER,
        ]
    )


@cache
def _update_links(table: str, names: tuple[str, ...]) -> str:
    """One statement for the states of every link of a table."""
    types = ", ".join(f"%b::{LINK_TYPES.get(name, 'bigint')}[]" for name in names)
    values = (_at(f"v.{name}") if name in TIME_FIELDS else f"v.{name}" for name in names)
    return f"""
        UPDATE {table} AS t
        SET {", ".join(f"{name} = {value}" for name, value in zip(names, values, strict=True))},
            revision = %b
        FROM unnest(%b::bigint[], {types}) AS v(id, {", ".join(names)})
        WHERE t.id = v.id"""  # noqa: S608 - names from code, values bound
