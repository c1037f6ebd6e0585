"""The statements that write a batch: set-based on PostgreSQL, ``executemany`` on SQLite.

On PostgreSQL every table is written with one statement whatever the number of rows:
the rows travel as one array per column and ``unnest`` turns them back into a table
(``UPDATE ... FROM unnest(...)``, ``INSERT ... SELECT ... FROM unnest(...)``). That is
the multi-row ``VALUES`` idea with a statement text that never changes, so the server
parses and plans it once. Parameters are bound server-side in binary (``%b``). SQLite runs
each row through one prepared statement.

Table names are Django's defaults for the ``poll`` models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from poll.acquisition.batch import (
    ComasterStatus,
    PointChange,
    SampleRow,
    WriteBatch,
    from_micros,
)


class Statements(Protocol):
    def update_points(self, cursor: Any, rows: Iterable[PointChange], revision: int) -> None: ...

    def insert_records(self, cursor: Any, batch: WriteBatch, revision: int) -> int: ...

    def insert_samples(self, cursor: Any, rows: Iterable[SampleRow]) -> None: ...

    def update_comasters(
        self, cursor: Any, rows: Iterable[ComasterStatus], revision: int
    ) -> None: ...


def _time(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


class PostgresStatements:
    POINTS = """
        UPDATE poll_point AS p
        SET value = COALESCE(v.value, p.value), q = COALESCE(v.q, p.q), current = v.current,
            updated_at = v.at, revision = %b
        FROM unnest(%b::bigint[], %b::float8[], %b::int[], %b::bool[], %b::timestamptz[])
            AS v(id, value, q, current, at)
        WHERE p.id = v.id"""
    SAMPLES = """
        INSERT INTO poll_sample (point_id, time, value, q)
        SELECT v.point_id, v.time, v.value, v.q
        FROM unnest(%b::bigint[], %b::timestamptz[], %b::float8[], %b::int[])
            AS v(point_id, time, value, q)
        JOIN poll_point p ON p.id = v.point_id
        ON CONFLICT (point_id, time) DO NOTHING"""
    EVENTS = """
        INSERT INTO poll_event (profile_id, comaster_id, di_id, ied_address, port, bit, time,
            value, q, raw, dedup_key, received_at, revision)
        SELECT v.profile_id, c.id, d.id, v.ied_address, v.port, v.bit, v.time, v.value, v.q,
            v.raw, v.dedup_key, v.received_at, %b
        FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::int[], %b::int[], %b::int[],
                    %b::timestamptz[], %b::int[], %b::int[], %b::text[], %b::text[],
                    %b::timestamptz[])
            AS v(profile_id, comaster_id, di_id, ied_address, port, bit, time, value, q, raw,
                 dedup_key, received_at)
        JOIN poll_profile pr ON pr.id = v.profile_id
        LEFT JOIN poll_comaster c ON c.id = v.comaster_id
        LEFT JOIN poll_point d ON d.id = v.di_id
        ON CONFLICT (dedup_key) DO NOTHING"""
    ENERGY = """
        INSERT INTO poll_energy (profile_id, comaster_id, ai_id, ied_address, channel, time,
            code, value, q, raw, dedup_key, received_at, revision)
        SELECT v.profile_id, c.id, a.id, v.ied_address, v.channel, v.time, v.code, v.value,
            v.q, v.raw, v.dedup_key, v.received_at, %b
        FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::int[], %b::int[],
                    %b::timestamptz[], %b::int[], %b::bigint[], %b::int[], %b::text[],
                    %b::text[], %b::timestamptz[])
            AS v(profile_id, comaster_id, ai_id, ied_address, channel, time, code, value, q,
                 raw, dedup_key, received_at)
        JOIN poll_profile pr ON pr.id = v.profile_id
        LEFT JOIN poll_comaster c ON c.id = v.comaster_id
        LEFT JOIN poll_point a ON a.id = v.ai_id
        ON CONFLICT (dedup_key) DO NOTHING"""
    COM_EVENTS = """
        INSERT INTO poll_comevent (profile_id, comaster_id, ied_id, source, ied_address, code,
            reason, text, time, raw, dedup_key, received_at, revision)
        SELECT v.profile_id, c.id, i.id, v.source, v.ied_address, v.code, v.reason, v.text,
            v.time, v.raw, v.dedup_key, v.received_at, %b
        FROM unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::text[], %b::int[],
                    %b::int[], %b::int[], %b::text[], %b::timestamptz[], %b::text[],
                    %b::text[], %b::timestamptz[])
            AS v(profile_id, comaster_id, ied_id, source, ied_address, code, reason, text,
                 time, raw, dedup_key, received_at)
        JOIN poll_profile pr ON pr.id = v.profile_id
        LEFT JOIN poll_comaster c ON c.id = v.comaster_id
        LEFT JOIN poll_ied i ON i.id = v.ied_id
        ON CONFLICT (dedup_key) DO NOTHING"""
    COMASTERS = """
        UPDATE poll_comaster AS c
        SET online = v.online, state_since = v.state_since, last_poll_at = v.last_poll_at,
            last_error = v.last_error, polls = v.polls, timeouts = v.timeouts,
            bad_frames = v.bad_frames, events_received = v.events_received,
            reconnects = v.reconnects, latency_ms = v.latency_ms, revision = %b
        FROM unnest(%b::bigint[], %b::bool[], %b::timestamptz[], %b::timestamptz[], %b::text[],
                    %b::bigint[], %b::bigint[], %b::bigint[], %b::bigint[], %b::bigint[],
                    %b::float8[])
            AS v(id, online, state_since, last_poll_at, last_error, polls, timeouts,
                 bad_frames, events_received, reconnects, latency_ms)
        WHERE c.id = v.id"""

    def update_points(self, cursor: Any, rows: Iterable[PointChange], revision: int) -> None:
        columns = _columns(rows)
        if columns:
            columns[4] = [_time(at) for at in columns[4]]
            cursor.execute(self.POINTS, [revision, *columns])

    def insert_records(self, cursor: Any, batch: WriteBatch, revision: int) -> int:
        inserted = 0
        for sql, rows, times in (
            (self.EVENTS, batch.events, (6, 11)),
            (self.ENERGY, batch.energy, (5, 11)),
            (self.COM_EVENTS, batch.com_events, (8, 11)),
        ):
            columns = _columns(rows)
            if columns:
                for index in times:
                    columns[index] = [_time(micros) for micros in columns[index]]
                cursor.execute(sql, [revision, *columns])
                inserted += cursor.rowcount
        return inserted

    def insert_samples(self, cursor: Any, rows: Iterable[SampleRow]) -> None:
        columns = _columns(rows)
        if columns:
            columns[1] = [_time(micros) for micros in columns[1]]
            cursor.execute(self.SAMPLES, columns)

    def update_comasters(self, cursor: Any, rows: Iterable[ComasterStatus], revision: int) -> None:
        columns = _columns(rows)
        if columns:
            columns[2] = [_time(micros) for micros in columns[2]]
            columns[3] = [_time(micros) for micros in columns[3]]
            cursor.execute(self.COMASTERS, [revision, *columns[:11]])


def _columns(rows: Iterable[tuple]) -> list[list[Any]]:
    """Rows as one list per column (no lists when there are no rows)."""
    return [list(column) for column in zip(*rows, strict=True)]


class SqliteStatements:
    POINTS = """
        UPDATE poll_point SET value = COALESCE(%s, value), q = COALESCE(%s, q), current = %s,
            updated_at = %s, revision = %s
        WHERE id = %s"""
    SAMPLES = """
        INSERT INTO poll_sample (point_id, time, value, q)
        SELECT %s, %s, %s, %s WHERE EXISTS (SELECT 1 FROM poll_point WHERE id = %s)
        ON CONFLICT (point_id, time) DO NOTHING"""
    EVENTS = """
        INSERT INTO poll_event (profile_id, comaster_id, di_id, ied_address, port, bit, time,
            value, q, raw, dedup_key, received_at, revision)
        SELECT %s, (SELECT id FROM poll_comaster WHERE id = %s),
            (SELECT id FROM poll_point WHERE id = %s), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s
        WHERE EXISTS (SELECT 1 FROM poll_profile WHERE id = %s)
        ON CONFLICT (dedup_key) DO NOTHING"""
    ENERGY = """
        INSERT INTO poll_energy (profile_id, comaster_id, ai_id, ied_address, channel, time,
            code, value, q, raw, dedup_key, received_at, revision)
        SELECT %s, (SELECT id FROM poll_comaster WHERE id = %s),
            (SELECT id FROM poll_point WHERE id = %s), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s
        WHERE EXISTS (SELECT 1 FROM poll_profile WHERE id = %s)
        ON CONFLICT (dedup_key) DO NOTHING"""
    COM_EVENTS = """
        INSERT INTO poll_comevent (profile_id, comaster_id, ied_id, source, ied_address, code,
            reason, text, time, raw, dedup_key, received_at, revision)
        SELECT %s, (SELECT id FROM poll_comaster WHERE id = %s),
            (SELECT id FROM poll_ied WHERE id = %s), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s
        WHERE EXISTS (SELECT 1 FROM poll_profile WHERE id = %s)
        ON CONFLICT (dedup_key) DO NOTHING"""
    COMASTERS = """
        UPDATE poll_comaster SET online = %s, state_since = %s, last_poll_at = %s,
            last_error = %s, polls = %s, timeouts = %s, bad_frames = %s, events_received = %s,
            reconnects = %s, latency_ms = %s, revision = %s
        WHERE id = %s"""

    def __init__(self, adapt_time: Callable[[datetime | None], Any]) -> None:
        self._adapt = adapt_time

    def _time(self, micros: int | None) -> Any:
        return self._adapt(_time(micros))

    def update_points(self, cursor: Any, rows: Iterable[PointChange], revision: int) -> None:
        cursor.executemany(
            self.POINTS,
            [(r.value, r.q, r.current, self._time(r.at), revision, r.point_id) for r in rows],
        )

    def insert_records(self, cursor: Any, batch: WriteBatch, revision: int) -> int:
        inserted = 0
        for sql, rows, times in (
            (self.EVENTS, batch.events, (6, 11)),
            (self.ENERGY, batch.energy, (5, 11)),
            (self.COM_EVENTS, batch.com_events, (8, 11)),
        ):
            if not rows:
                continue
            params = []
            for row in rows:
                values = list(row)
                for index in times:
                    values[index] = self._time(values[index])
                params.append((*values, revision, row.profile_id))
            cursor.executemany(sql, params)
            inserted += cursor.rowcount
        return inserted

    def insert_samples(self, cursor: Any, rows: Iterable[SampleRow]) -> None:
        cursor.executemany(
            self.SAMPLES,
            [(r.point_id, self._time(r.time), r.value, r.q, r.point_id) for r in rows],
        )

    def update_comasters(self, cursor: Any, rows: Iterable[ComasterStatus], revision: int) -> None:
        params = []
        for row in rows:
            values = list(row[1:11])
            values[1] = self._time(values[1])
            values[2] = self._time(values[2])
            params.append((*values, revision, row.comaster_id))
        cursor.executemany(self.COMASTERS, params)
