"""The benches' own PostgreSQL databases: made when missing, or made afresh."""

from __future__ import annotations


def create_database(url: str, fresh: bool = False) -> None:
    """Make the database of ``url`` when it does not exist; with ``fresh``, drop it first
    (a bench that wants nothing of an earlier run)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(server, autocommit=True) as admin:
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def use_database(url: str) -> None:
    """Set Django up in this process on the bench database of ``url``, made if missing."""
    import os

    import django

    create_database(url)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="smve.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only"),
    )
    django.setup()
