"""The statements that write a batch: one interface (:mod:`.statements`), set-based on
PostgreSQL (:mod:`.postgres`), ``executemany`` on SQLite (:mod:`.sqlite`)."""

from __future__ import annotations

from typing import Any

from poll.acquisition.sql.postgres import PostgresStatements
from poll.acquisition.sql.sqlite import SqliteStatements
from poll.acquisition.sql.statements import Statements


def statements_for(connection: Any) -> Statements:
    """The statements for the vendor of a Django ``connection``."""
    if connection.vendor == "postgresql":
        return PostgresStatements()
    return SqliteStatements(connection.ops.adapt_datetimefield_value)


__all__ = ["PostgresStatements", "SqliteStatements", "Statements", "statements_for"]
