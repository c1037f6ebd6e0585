"""What the outbox tells the layers above it: a mail outage began or ended.

The outbox sits below the alarms (import-linter), so it cannot raise an alarm itself; it
announces its outages with these Django signals and the alarms app subscribes in its
``AppConfig.ready()`` (alarms/system.py). Both are sent inside the outbox's transaction, so
what a receiver writes commits or rolls back with the outage row; receivers are called
robustly (a failing receiver is logged, it never stops mail).

- ``outage_began(sender, started_at, error)``: the first failed send of an outage.
- ``outage_ended(sender, ended_at)``: the first delivery after it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.dispatch import Signal

log = logging.getLogger(__name__)

outage_began = Signal()
outage_ended = Signal()


def announce_began(started_at: datetime, error: str) -> None:
    _report(outage_began.send_robust(sender=None, started_at=started_at, error=error))


def announce_ended(ended_at: datetime) -> None:
    _report(outage_ended.send_robust(sender=None, ended_at=ended_at))


def _report(results: Sequence[tuple[object, object]]) -> None:
    for receiver, result in results:
        if isinstance(result, Exception):
            log.error("mail outage receiver %r failed: %s", receiver, result)
