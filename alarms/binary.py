"""A PostgreSQL cursor binding parameters server-side in binary, for the statements that
carry a batch as one array per column (Django's cursor quotes arrays as text, several times
dearer for thousands of values)."""

from __future__ import annotations

from typing import Any

from django.db import connection


def cursor() -> Any:
    """A binary cursor on Django's connection (PostgreSQL only); use ``%b`` placeholders."""
    import psycopg

    return psycopg.Cursor(connection.connection)
