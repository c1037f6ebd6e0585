"""Writing one batch in one transaction, with the next revision.

The order inside the transaction: take the revision (on PostgreSQL under an advisory lock,
so that revision order is commit order for every writer that takes the same lock), write
the changed points (unless a point holds a newer state already), let the batch processors
add their changes for the points written, insert the records (each
at most once, by ``dedup_key``) and the history samples, update the links' state and
insert their link events, and on PostgreSQL queue ``NOTIFY smve_revision, '<revision>'``,
which PostgreSQL delivers when, and only if, the transaction commits.

Each batch processor runs in a savepoint: one that raises is logged (once per distinct
error) and only its savepoint is rolled back, so formula processing never keeps
acquisition data out of the database.

Rows that name a point, link or profile deleted meanwhile keep the record with an empty
reference (or are skipped for samples and states): a configuration change never makes a
batch fail.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction

from poll.acquisition.batch import WriteBatch
from poll.acquisition.processors import BatchProcessor, run_processor
from poll.acquisition.sources import link_kind
from poll.acquisition.sql import Statements, statements_for
from poll.acquisition.sql.statements import REVISION_LOCK_KEY

log = logging.getLogger(__name__)

__all__ = ["NOTIFY_CHANNEL", "REVISION_LOCK_KEY", "REVISION_SOURCE", "BatchStore"]

NOTIFY_CHANNEL = "smve_revision"
REVISION_SOURCE = "poll"


class BatchStore:
    """Writes batches through the current thread's database connection."""

    def __init__(self, processors: Sequence[BatchProcessor] = ()) -> None:
        self.processors = list(processors)
        self._statements: Statements | None = None
        self._reported: set[tuple[str, str]] = set()

    def configure(self, profile_id: int) -> None:
        """Hand a new configuration to every processor (outside any batch transaction)."""
        for processor in self.processors:
            self._guarded(processor, "configure", processor.configure, profile_id)

    def write(self, batch: WriteBatch) -> tuple[int, int]:
        """Write ``batch``; return its revision and how many records were new."""
        if self._statements is None:
            self._statements = statements_for(connection)
        statements = self._statements
        with transaction.atomic(), self._cursor() as cursor:
            revision = statements.new_revision(cursor, REVISION_SOURCE)
            written = statements.update_points(cursor, batch.points.values(), revision)
            processed = _only_points(batch, written)
            for processor in self.processors:
                self._process(processor, processed, revision)
            inserted = statements.insert_records(cursor, batch, revision)
            statements.insert_samples(cursor, batch.samples)
            for name, statuses in batch.links.items():
                statements.update_links(cursor, link_kind(name), statuses.values(), revision)
            for name, rows in _by_kind(batch).items():
                kind = link_kind(name)
                inserted += statements.insert_link_events(cursor, kind, rows, revision)
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(revision)])
        return revision, inserted

    def _process(self, processor: BatchProcessor, batch: WriteBatch, revision: int) -> None:
        def in_savepoint() -> None:
            with transaction.atomic():
                run_processor(processor, batch, revision)

        self._guarded(processor, "process", in_savepoint)

    def _guarded(
        self, processor: BatchProcessor, step: str, work: Callable[..., None], *args: Any
    ) -> None:
        """Run a processor's ``work``; an error of the processor is logged once and goes
        no further. A lost connection does: the writer handles it for the whole batch."""
        try:
            work(*args)
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:
            key = (f"{type(processor).__qualname__}.{step}", f"{type(error).__name__}: {error}")
            if key not in self._reported:
                self._reported.add(key)
                log.exception("batch processor %s failed; the batch is written without it", key[0])

    @staticmethod
    def _cursor() -> Any:
        if connection.vendor == "postgresql":
            import psycopg

            # Server-side binding: the column arrays travel in binary, several times
            # cheaper to send than the quoted literals of Django's client-side cursor.
            return psycopg.Cursor(connection.connection)
        return connection.cursor()


def _only_points(batch: WriteBatch, written: frozenset[int]) -> WriteBatch:
    """The batch with only the point changes that were written: the processors (formulas,
    alarms) must not act on a value the database did not take."""
    if len(written) == len(batch.points):
        return batch
    points = {point_id: change for point_id, change in batch.points.items() if point_id in written}
    return dataclasses.replace(batch, points=points)


def _by_kind(batch: WriteBatch) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in batch.link_events:
        grouped.setdefault(row.kind, []).append(row)
    return grouped
