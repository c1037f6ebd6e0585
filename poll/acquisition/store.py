"""Writing one batch in one transaction, with the next revision.

The order inside the transaction: take the revision (on PostgreSQL under an advisory lock,
so that revision order is commit order for every writer that takes the same lock), write
the changed points, let the batch processors add their changes, insert the records (each
at most once, by ``dedup_key``) and the history samples, update the COMasters' state,
and on PostgreSQL queue ``NOTIFY smve_revision, '<revision>'``, which PostgreSQL delivers
when, and only if, the transaction commits.

Rows that name a point, COMaster or profile deleted meanwhile keep the record with an
empty reference (or are skipped for samples and states): a configuration change never
makes a batch fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from poll.acquisition.batch import BatchProcessor, WriteBatch
from poll.acquisition.modbus_sql import write_modbus_rows
from poll.acquisition.sql import PostgresStatements, SqliteStatements, Statements
from poll.models import Revision

REVISION_LOCK_KEY = 0x534D5645
"""``pg_advisory_xact_lock`` key every writer of revisions takes before it numbers one."""
NOTIFY_CHANNEL = "smve_revision"
REVISION_SOURCE = "poll"


class BatchStore:
    """Writes batches through the current thread's database connection."""

    def __init__(self, processors: Sequence[BatchProcessor] = ()) -> None:
        self.processors = list(processors)
        self._statements: Statements | None = None

    def write(self, batch: WriteBatch) -> tuple[int, int]:
        """Write ``batch``; return its revision and how many records were new."""
        statements = self._statements_for_connection()
        with transaction.atomic(), self._cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REVISION_LOCK_KEY])
            revision = Revision.objects.create(source=REVISION_SOURCE).pk
            statements.update_points(cursor, batch.points.values(), revision)
            for processor in self.processors:
                processor.process(batch.points, revision)
            inserted = statements.insert_records(cursor, batch, revision)
            statements.insert_samples(cursor, batch.samples)
            statements.update_comasters(cursor, batch.comasters.values(), revision)
            inserted += write_modbus_rows(cursor, batch, revision)
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(revision)])
        return revision, inserted

    @staticmethod
    def _cursor() -> Any:
        if connection.vendor == "postgresql":
            import psycopg

            # Server-side binding: the column arrays travel in binary, several times
            # cheaper to send than the quoted literals of Django's client-side cursor.
            return psycopg.Cursor(connection.connection)
        return connection.cursor()

    def _statements_for_connection(self) -> Statements:
        if self._statements is None:
            if connection.vendor == "postgresql":
                self._statements = PostgresStatements()
            else:
                self._statements = SqliteStatements(connection.ops.adapt_datetimefield_value)
        return self._statements
