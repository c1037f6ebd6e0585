"""The alarm changes the site stream carries with each revision, read once per web process.

Every site stream of a process wakes at the same new revision and asks for the alarms that
changed since the one it sent before. The process keeps a short log of what it read, one
entry per range of revisions, contiguous: the first stream to ask past the log's end reads
the next range (one query for all the streams), the others wait for that read and take
their answer from the log. A stream whose previous revision the log no longer covers gets
None and sends the revision alone, as does one whose changes are too many to carry
(the console then reads the whole list, as it does for a stream's first message).

The log lives only while some stream follows it: with none, nothing is read.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from alarms.changes import changed_alarms
from hmi.loop_local import LoopLocal
from hmi.revision_feed import read_database

log = logging.getLogger(__name__)

#: The most alarms one message carries (``STREAM_ALARMS_MAX`` overrides it; 0 sends none).
MOST_ALARMS = 1000
#: Ranges of revisions kept: a stream that fell further behind reads the whole list.
KEPT_RANGES = 32

Alarms = list[dict[str, Any]]


@dataclass(frozen=True)
class _Range:
    after: int
    upto: int
    alarms: Alarms | None
    """None: more than the most a message carries."""


class AlarmChanges:
    """One process's log of alarm changes, by ranges of revisions (one per event loop)."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.reads = 0
        """Queries made (at most one per new revision while streams follow)."""
        self._ranges: deque[_Range] = deque(maxlen=KEPT_RANGES)
        self._start: int | None = None
        self._end = 0
        self._reading: asyncio.Future[None] | None = None
        self._followers = 0

    @asynccontextmanager
    async def following(self) -> AsyncIterator[AlarmChanges]:
        """Keep the log while the caller asks it; forget it when the last one leaves (it
        would have a gap by the time someone asks again)."""
        self._followers += 1
        try:
            yield self
        finally:
            self._followers -= 1
            if not self._followers:
                self._ranges.clear()
                self._start = None

    async def since(self, after: int, upto: int) -> Alarms | None:
        """The alarms changed by the revisions in ``(after, upto]`` (with perhaps some
        changed a little before or after, which the reader already has or will get
        again), or None when the log cannot tell or they are too many."""
        if self.most <= 0 or upto <= after:
            return None
        if self._start is None:
            self._start = self._end = after
        if after < self._start:
            return None
        try:
            while self._end < upto:
                if self._reading is None or self._reading.done():
                    self._reading = asyncio.ensure_future(self._read(self._end, upto))
                # One stream going away must not cancel the read the others wait for.
                await asyncio.shield(self._reading)
        except Exception:
            log.exception("Cannot read the alarms that changed; the console will read them all")
            return None
        return self._merged(after, upto)

    async def _read(self, after: int, upto: int) -> None:
        alarms = await read_database(changed_alarms, after, upto, self.most)
        self.reads += 1
        if self._start is None or self._end != after:
            return  # the log was forgotten meanwhile
        if self._ranges and len(self._ranges) == self._ranges.maxlen:
            self._start = self._ranges[1].after
        self._ranges.append(_Range(after, upto, alarms))
        self._end = upto

    def _merged(self, after: int, upto: int) -> Alarms | None:
        """The newest item of each alarm in the ranges that meet ``(after, upto]``."""
        newest: dict[int, dict[str, Any]] = {}
        for part in self._ranges:
            if part.upto <= after or part.after >= upto:
                continue
            if part.alarms is None:
                return None
            for alarm in part.alarms:
                newest[alarm["id"]] = alarm  # ranges and items in revision order
        if len(newest) > self.most:
            return None
        return list(newest.values())


def _new_log() -> AlarmChanges:
    return AlarmChanges(getattr(settings, "STREAM_ALARMS_MAX", MOST_ALARMS))


_logs = LoopLocal(_new_log)


def alarm_changes() -> AlarmChanges:
    """This process's log (one per event loop)."""
    return _logs.get()
