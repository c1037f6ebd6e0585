"""Telling the poller that a command waits: ``NOTIFY smve_command`` on PostgreSQL (the
poller LISTENs); on SQLite the poller checks the queue at a short interval instead."""

from __future__ import annotations

from django.db import connection

NOTIFY_CHANNEL = "smve_command"


def announce_queued() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [NOTIFY_CHANNEL])
