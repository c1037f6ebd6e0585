"""Reading settings from the environment, with errors an operator can act on.

Every problem is raised as ``ImproperlyConfigured`` with one sentence that says what is
wrong and how to fix it; ``manage.py`` prints that sentence instead of a traceback.
"""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
SUPPORTED_ENGINES = {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value: use 1/0, true/false or on/off."
    )


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, base_dir: Path) -> dict[str, Any]:
    """Turn DATABASE_URL into Django's DATABASES entry (SQLite or PostgreSQL)."""
    if url in ("sqlite://", "sqlite:///"):
        url = f"sqlite:///{base_dir / 'db.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj_database_url raises bare ValueError/KeyError on junk
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} cannot be read ({exc}); "
            "use sqlite:///path/to/db.sqlite3 or postgres://user:password@host:5432/name."
        ) from exc
    engine = config.get("ENGINE", "")
    if engine not in SUPPORTED_ENGINES:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} names a database SMVE does not support; "
            "use sqlite:///... or postgres://..."
        )
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets the web read while the poller writes; IMMEDIATE transactions take the
        # write lock up front, so that two writers wait for each other (busy timeout)
        # instead of failing with "database is locked" when a reader upgrades.
        config["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
            "transaction_mode": "IMMEDIATE",
        }
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL names SQLite but no file: use sqlite:///path.")
    elif not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} has no database name: add it after the host, e.g. .../smve."
        )
    return config


def time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"TIME_ZONE={name!r} is not a known time zone: use a name like Europe/Madrid or UTC."
        ) from exc
    return name
