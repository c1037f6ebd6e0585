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
#: PostgreSQL connections each web server process pools unless DATABASE_POOL_SIZE says
#: otherwise (smve/asgi.py); docs/deployment.md adds them up for a whole site.
WEB_DATABASE_POOL_SIZE = 10
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


def env_number(name: str, default: float, minimum: float = 0) -> float:
    """A number of seconds, connections, attempts...: ``minimum`` or more."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = minimum - 1
    if not value >= minimum:  # also refuses nan
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number of at least {minimum:g}.")
    return value


def database_from_url(
    url: str, base_dir: Path, pool_size: int = 0, pool_timeout: float = 10.0
) -> dict[str, Any]:
    """Turn DATABASE_URL into Django's DATABASES entry (SQLite or PostgreSQL).

    No connection outlives its request (``CONN_MAX_AGE=0``): under ASGI each request runs
    in a thread of its own, so a connection kept "for reuse" is never reused, only leaked.
    On PostgreSQL ``pool_size`` > 0 puts a process's connections in psycopg's pool instead:
    at most that many, reused; a request that finds all of them busy waits up to
    ``pool_timeout`` seconds for one rather than opening another.
    """
    if url in ("sqlite://", "sqlite:///"):
        url = f"sqlite:///{base_dir / 'db.sqlite3'}"
    try:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
        )
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
    elif pool_size > 0:
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": pool_size,
            "timeout": pool_timeout,
        }
    return config


def time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"TIME_ZONE={name!r} is not a known time zone: use a name like Europe/Madrid or UTC."
        ) from exc
    return name
