"""The poller's tunables: a Django setting of the name, else an environment variable of the
same name, else the default. Listed in docs/poller.md."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PollerOptions:
    spool_dir: Path
    """Where the journal lives (POLL_SPOOL_DIR)."""
    connect_timeout: float
    backoff_initial: float
    backoff_max: float
    status_interval: float
    """Seconds between writes of COMaster counters that no reply carried."""
    config_check_interval: float
    """Seconds between looks at the profile's configuration counter."""
    max_batch_entries: int
    """Journal entries coalesced into one transaction at most."""
    lease_interval: float = 1.0
    """Seconds between tries of the leases of links no poller holds (PostgreSQL)."""
    heartbeat_interval: float = 2.0
    """Seconds between the heartbeat row's updates."""
    queue_entries: int = 20_000
    """Journal entries held in memory for the writer; beyond, it reads them back from the
    journal (POLL_QUEUE_ENTRIES)."""

    @classmethod
    def from_settings(cls) -> PollerOptions:
        return cls(
            spool_dir=Path(_setting("POLL_SPOOL_DIR", str(settings.BASE_DIR / "var" / "spool"))),
            connect_timeout=_number("POLL_CONNECT_TIMEOUT", 5.0),
            backoff_initial=_number("POLL_BACKOFF_INITIAL", 0.5),
            backoff_max=_number("POLL_BACKOFF_MAX", 30.0),
            status_interval=_number("POLL_STATUS_INTERVAL", 2.0),
            config_check_interval=_number("POLL_CONFIG_CHECK_INTERVAL", 2.0),
            max_batch_entries=int(_number("POLL_MAX_BATCH_ENTRIES", 1000)),
            lease_interval=_number("POLL_LEASE_INTERVAL", 1.0),
            heartbeat_interval=_number("POLL_HEARTBEAT_INTERVAL", 2.0),
            queue_entries=int(_number("POLL_QUEUE_ENTRIES", 20_000)),
        )


def _setting(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


def _number(name: str, default: float) -> float:
    raw = _setting(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name}={raw!r} must be more than 0")
    return value
