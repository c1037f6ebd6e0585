"""What writing a batch asks of the database, whatever its vendor, and the helpers both
implementations share: columns taken by name (times turned into ``datetime`` by name, never
by position) and the link events, a few rows a batch on any database.

Table names are Django's defaults for the ``poll`` models; a link kind's table and its
``poll_comevent`` column come from its :class:`~poll.acquisition.links.LinkKind`, code,
never user input.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from poll.acquisition.batch import (
    LinkEventRow,
    LinkStatus,
    PointChange,
    SampleRow,
    WriteBatch,
    from_micros,
)
from poll.acquisition.links import LinkKind

REVISION_LOCK_KEY = 0x534D5645
"""``pg_advisory_xact_lock`` key every writer of revisions takes before it numbers one."""

TIME_FIELDS = frozenset({"at", "time", "received_at", "state_since", "last_poll_at"})
"""Row fields that hold microseconds since the epoch and are stored as times."""

TimeAdapter = Callable[[int | None], Any]


class Statements(Protocol):
    def new_revision(self, cursor: Any, source: str) -> int:
        """Number the batch: a new ``poll_revision`` row (on PostgreSQL under the revision
        lock, so that revisions commit in their order)."""

    def update_points(
        self, cursor: Any, rows: Collection[PointChange], revision: int
    ) -> frozenset[int]:
        """Write the points' live state, except where the point holds a newer one (a
        stale reply, e.g. one journaled by a poller that lost its lease meanwhile, never
        overwrites a newer value); returns the ids of the points written."""

    def insert_records(self, cursor: Any, batch: WriteBatch, revision: int) -> int:
        """Events, energy and field communication events; returns how many were new."""

    def insert_samples(self, cursor: Any, rows: Sequence[SampleRow]) -> None: ...

    def update_links(
        self, cursor: Any, kind: LinkKind, rows: Collection[LinkStatus], revision: int
    ) -> None: ...

    def insert_link_events(
        self, cursor: Any, kind: LinkKind, rows: Sequence[LinkEventRow], revision: int
    ) -> int:
        """Links gone online or offline; returns how many were new."""


def as_datetime(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


def same_time(micros: int | None) -> int | None:
    """Times left as microseconds (PostgreSQL turns them into times itself)."""
    return micros


def columns(
    rows: Collection[NamedTuple], names: Sequence[str], time: TimeAdapter
) -> list[list[Any]]:
    """The ``names`` columns of ``rows`` (all of one row type), one list each, times passed
    through ``time``; no lists when there are no rows.

    Each distinct time is converted once: the rows of one reply share its time, so a batch
    of thousands of rows holds a few hundred distinct times at most."""
    if not rows:
        return []
    fields = type(next(iter(rows)))._fields
    by_name = dict(zip(fields, zip(*rows, strict=True), strict=True))
    return [
        _times(by_name[name], time) if name in TIME_FIELDS else list(by_name[name])
        for name in names
    ]


def _times(values: Sequence[int | None], time: TimeAdapter) -> list[Any]:
    if time is same_time:
        return list(values)
    converted = {value: time(value) for value in set(values)}
    return [converted[value] for value in values]


def insert_link_events(
    cursor: Any, kind: LinkKind, rows: Sequence[LinkEventRow], revision: int, time: TimeAdapter
) -> int:
    """Insert link events one prepared statement a row (a few a batch at most). A link
    deleted meanwhile keeps its event with an empty reference."""
    if not rows:
        return 0
    sql = f"""
        INSERT INTO poll_comevent (profile_id, {kind.event_column}, source, code, reason, text,
            time, raw, dedup_key, received_at, revision)
        SELECT %s, (SELECT id FROM {kind.table} WHERE id = %s), 'poller', %s, %s, %s, %s, '',
            %s, %s, %s
        WHERE EXISTS (SELECT 1 FROM poll_profile WHERE id = %s)
        ON CONFLICT (dedup_key) DO NOTHING"""  # noqa: S608 - names from code, values bound
    cursor.executemany(
        sql,
        [
            (
                *(row.profile_id, row.link_id, row.code, row.reason, row.text, time(row.time)),
                *(row.dedup_key, time(row.time), revision, row.profile_id),
            )
            for row in rows
        ],
    )
    return max(cursor.rowcount, 0)
