"""The monthly partitions of ``poll_sample`` on PostgreSQL.

The sample table is range-partitioned by ``time``, one partition a calendar month (UTC),
named ``poll_sample_pYYYY_MM``, plus a default partition (``poll_sample_default``) that
takes any row no month partition covers, so that an insert never fails for want of a
partition (a device with a wild clock, a month nobody created ahead). The jobs process
creates months ahead (:func:`ensure_months`) and drops whole old months for retention
(:func:`drop_months_before`): dropping a partition frees its space at once, where a DELETE
of millions of rows would bloat the table and the WAL.

On SQLite (the demo) ``poll_sample`` is a plain table; nothing here applies.

Names and bounds come from code (dates we compute), never from user input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

TABLE = "poll_sample"
DEFAULT = f"{TABLE}_default"
_NAME = re.compile(rf"^{TABLE}_p(\d{{4}})_(\d{{2}})$")


def month_start(when: date | datetime) -> datetime:
    """Midnight UTC on the first day of the month of ``when``."""
    return datetime(when.year, when.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def partition_name(start: datetime) -> str:
    return f"{TABLE}_p{start.year:04d}_{start.month:02d}"


def month_partitions(cursor: Any) -> dict[datetime, str]:
    """The month partitions that exist, by their first instant, oldest first."""
    cursor.execute(
        """
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = %s::regclass""",
        [TABLE],
    )
    found = {}
    for (name,) in cursor.fetchall():
        match = _NAME.match(name)
        if match:
            found[datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)] = name
    return dict(sorted(found.items()))


def create_month(cursor: Any, start: datetime) -> str:
    """Create the partition of the month that starts at ``start``.

    Rows of that month that the default partition caught meanwhile move into it (PostgreSQL
    refuses to attach a range the default partition holds rows of); when there are none,
    that is one scan of the (normally empty) default partition."""
    name, end = partition_name(start), next_month(start)
    low, high = f"'{start.isoformat()}'", f"'{end.isoformat()}'"
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"""
        WITH moved AS (
            DELETE FROM {DEFAULT} WHERE time >= {low} AND time < {high} RETURNING *
        )
        INSERT INTO {name} SELECT * FROM moved"""  # noqa: S608 - names and dates from code
    )
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({low}) TO ({high})"
    )
    return name


def months_between(first: datetime, last: datetime) -> list[datetime]:
    """The first instants of the months from ``first``'s to ``last``'s."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def ensure_months(cursor: Any, months: Iterable[datetime]) -> list[str]:
    """Make sure each month of ``months`` has its partition; returns those created."""
    existing = month_partitions(cursor)
    return [
        create_month(cursor, month)
        for month in sorted({month_start(month) for month in months})
        if month not in existing
    ]


def drop_months_before(cursor: Any, cutoff: datetime) -> list[str]:
    """Drop every month partition that ends at or before ``cutoff``; returns their names."""
    dropped = []
    for start, name in month_partitions(cursor).items():
        if next_month(start) <= cutoff:
            cursor.execute(f"DROP TABLE {name}")
            dropped.append(name)
    return dropped
