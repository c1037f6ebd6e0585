"""Activations counted as they are stored: per 10-minute bucket and priority
(:class:`~alarms.models.ActivationCount`) and per day and alarm with its chattering windows
(:class:`~alarms.models.AlarmDayCount`), which the KPIs read instead of every activation.

The writer of the activations adds their counts in the same transaction, one statement for
a whole batch: the poller's processor (thousands at once, with the alarms' latest
activations kept in memory), and :func:`alarms.transitions.save` for the rare activation
stored one at a time (a system alarm), which reads them. A database trigger did this once;
on the poller's many small batches its fixed cost doubled the database's share of alarms.

An activation is a chattering window when its alarm's second previous activation is at
most 60 s before it. Previous means stored earlier: an alarm's field times only move
forward (a replayed batch stores nothing), so that is the previous by time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from alarms import binary
from alarms.models import ActivationCount, Alarm, AlarmDayCount, AlarmTransition
from alarms.states import Event, State
from poll.acquisition.batch import EPOCH

BUCKET_S = 600
DAY_S = 86_400
CHATTER_COUNT = 3  # activations within the window, this one included
CHATTER_WINDOW_S = 60

_COUNTS = ActivationCount._meta.db_table
_DAYS = AlarmDayCount._meta.db_table
_ADD_BUCKETS = (
    f"INSERT INTO {_COUNTS} AS c (bucket, priority, activations) {{rows}} "
    "ON CONFLICT (bucket, priority) DO UPDATE SET activations = c.activations + "
    "excluded.activations"
)
_ADD_DAYS = (
    f"INSERT INTO {_DAYS} AS d (day, alarm_id, activations, chattering) {{rows}} "
    "ON CONFLICT (day, alarm_id) DO UPDATE SET activations = d.activations + "
    "excluded.activations, chattering = d.chattering + excluded.chattering"
)

Recent = dict[int, list[datetime]]
"""Each alarm's latest activations, oldest first (at most ``CHATTER_COUNT - 1``)."""


class Row(Protocol):
    """A journal row, as stored or about to be (a model or a
    :class:`~alarms.transitions.JournalRow`)."""

    @property
    def alarm_id(self) -> int: ...
    @property
    def event(self) -> str: ...
    @property
    def to_state(self) -> str: ...
    @property
    def time(self) -> datetime: ...
    @property
    def priority(self) -> str: ...


def is_activation(row: Row) -> bool:
    return row.event == Event.ACTIVATE and row.to_state == State.UNACK


def recent(alarms: QuerySet[Alarm]) -> Recent:
    """The latest activations of ``alarms`` from the journal (their activations' index)."""
    kept = CHATTER_COUNT - 1
    activations = AlarmTransition.objects.filter(
        alarm=OuterRef("pk"), event=Event.ACTIVATE, to_state=State.UNACK
    ).order_by("-time")
    latest = {f"t{n}": Subquery(activations.values("time")[n : n + 1]) for n in range(kept)}
    rows = alarms.annotate(**latest).values_list("pk", *latest)
    return {
        pk: [time for time in reversed(times) if time is not None]
        for pk, *times in rows
        if times[0] is not None
    }


def tally(
    rows: Sequence[Row], known: Recent
) -> tuple[Counter[tuple[int, str]], dict[tuple[int, int], list[int]]]:
    """The activations among ``rows`` per (bucket, priority), and per (day, alarm) with
    their chattering windows; ``known`` gets them as the alarms' latest."""
    buckets: Counter[tuple[int, str]] = Counter()
    days: dict[tuple[int, int], list[int]] = {}
    kept = CHATTER_COUNT - 1
    for row in rows:
        if not is_activation(row):
            continue
        seconds = (row.time - EPOCH).total_seconds()
        buckets[math.floor(seconds / BUCKET_S), row.priority] += 1
        earlier = known.setdefault(row.alarm_id, [])
        chatter = (
            len(earlier) == kept and (row.time - earlier[0]).total_seconds() <= CHATTER_WINDOW_S
        )
        day = days.setdefault((math.floor(seconds / DAY_S), row.alarm_id), [0, 0])
        day[0] += 1
        day[1] += chatter
        earlier.append(row.time)
        del earlier[:-kept]
    return buckets, days


def add(rows: Sequence[Row], known: Recent) -> None:
    """Add the counts of the activations among ``rows`` (stored in this transaction), in
    one statement on PostgreSQL; ``known`` holds the alarms' latest activations before
    them (see :func:`recent`) and gets theirs."""
    buckets, days = tally(rows, known)
    if not buckets:
        return
    bucket_rows = [(bucket, priority, n) for (bucket, priority), n in buckets.items()]
    day_rows = [(day, alarm, n, chatter) for (day, alarm), (n, chatter) in days.items()]
    if connection.vendor == "postgresql":
        sql = (
            "WITH buckets AS ("  # noqa: S608 - table names from code
            + _ADD_BUCKETS.format(rows="SELECT * FROM unnest(%b::bigint[], %b::text[], %b::int[])")
            + ") "
            + _ADD_DAYS.format(
                rows="SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::int[], %b::int[])"
            )
        )
        columns = [list(c) for c in zip(*bucket_rows, strict=True)]
        columns += [list(c) for c in zip(*day_rows, strict=True)]
        with binary.cursor() as cursor:
            cursor.execute(sql, columns)
        return
    with connection.cursor() as cursor:
        cursor.executemany(_ADD_BUCKETS.format(rows="VALUES (%s, %s, %s)"), bucket_rows)
        cursor.executemany(_ADD_DAYS.format(rows="VALUES (%s, %s, %s, %s)"), day_rows)
