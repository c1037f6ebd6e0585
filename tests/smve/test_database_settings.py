"""How DATABASE_URL and the pool settings become Django's DATABASES entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from smve.env import database_from_url, env_number

POSTGRES = "postgres://smve:secret@db.example:5432/plant"


def test_no_connection_outlives_its_request():
    """Under ASGI a kept connection is never reused (each request has its own thread)."""
    assert database_from_url(POSTGRES, Path("."))["CONN_MAX_AGE"] == 0
    assert database_from_url("sqlite:///x.sqlite3", Path("."))["CONN_MAX_AGE"] == 0


def test_a_pool_size_bounds_a_process_connections_to_postgres():
    config = database_from_url(POSTGRES, Path("."), pool_size=8, pool_timeout=5)
    assert config["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 5}
    assert "pool" not in database_from_url(POSTGRES, Path(".")).get("OPTIONS", {})
    sqlite = database_from_url("sqlite:///x.sqlite3", Path("."), pool_size=8)
    assert "pool" not in sqlite["OPTIONS"]


def test_numbers_are_read_with_a_hint(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "12")
    assert env_number("X_NUMBER", 3) == 12
    assert env_number("X_UNSET_NUMBER", 3) == 3
    for wrong in ("many", "-1", "nan"):
        monkeypatch.setenv("X_NUMBER", wrong)
        with pytest.raises(ImproperlyConfigured, match="X_NUMBER"):
            env_number("X_NUMBER", 3)
