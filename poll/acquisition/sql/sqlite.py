"""The statements that write a batch on SQLite: each row through one prepared statement
(``executemany``), all in the batch's single transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.utils import timezone

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
from poll.acquisition.sql.statements import as_datetime, columns, insert_link_events


class SqliteStatements:
    REVISION = "INSERT INTO poll_revision (created_at, source) VALUES (%s, %s)"
    POINTS = """
        UPDATE poll_point SET value = COALESCE(%s, value), q = COALESCE(%s, q), current = %s,
            updated_at = %s, revision = %s
        WHERE id = %s AND (updated_at IS NULL OR updated_at <= %s)"""
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

    def __init__(self, adapt_time: Callable[[datetime | None], Any]) -> None:
        self._adapt = adapt_time

    def _time(self, micros: int | None) -> Any:
        return self._adapt(as_datetime(micros))

    def _rows(self, rows: Collection[Any], names: Sequence[str]) -> list[tuple[Any, ...]]:
        return list(zip(*columns(rows, names, self._time), strict=True))

    def new_revision(self, cursor: Any, source: str) -> int:
        cursor.execute(self.REVISION, [self._adapt(timezone.now()), source])
        revision: int = cursor.lastrowid
        return revision

    def update_points(
        self, cursor: Any, rows: Collection[PointChange], revision: int
    ) -> frozenset[int]:
        # One statement a row (not executemany) for its row count: whether it was written.
        names = ("value", "q", "current", "at", "point_id")
        written = []
        for row in self._rows(rows, names):
            cursor.execute(self.POINTS, (*row[:4], revision, row[4], row[3]))
            if cursor.rowcount:
                written.append(row[4])
        return frozenset(written)

    def insert_records(self, cursor: Any, batch: WriteBatch, revision: int) -> int:
        inserted = 0
        for sql, rows, kind in (
            (self.EVENTS, batch.events, EventRow),
            (self.ENERGY, batch.energy, EnergyRow),
            (self.COM_EVENTS, batch.com_events, ComEventRow),
        ):
            if rows:
                names = (*kind._fields, "profile_id")  # the row, then its profile again
                params = [(*row[:-1], revision, row[-1]) for row in self._rows(rows, names)]
                cursor.executemany(sql, params)
                inserted += cursor.rowcount
        return inserted

    def insert_samples(self, cursor: Any, rows: Sequence[SampleRow]) -> None:
        cursor.executemany(
            self.SAMPLES,
            [(*row, row[0]) for row in self._rows(rows, SampleRow._fields)],
        )

    def update_links(
        self, cursor: Any, kind: LinkKind, rows: Collection[LinkStatus], revision: int
    ) -> None:
        names = kind.columns
        cursor.executemany(
            _update_links(kind.table, names),
            [(*row[1:], revision, row[0]) for row in self._rows(rows, ("link_id", *names))],
        )

    def insert_link_events(
        self, cursor: Any, kind: LinkKind, rows: Sequence[LinkEventRow], revision: int
    ) -> int:
        return insert_link_events(cursor, kind, rows, revision, self._time)


@cache
def _update_links(table: str, names: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{name} = %s" for name in names)
    return f"UPDATE {table} SET {assignments}, revision = %s WHERE id = %s"  # noqa: S608
