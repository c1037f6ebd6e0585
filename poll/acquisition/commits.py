"""Waiting for journal entries to be in the database, for links whose protocol numbers its
answers (Mara's SEQ) when several pollers share the links (:mod:`poll.acquisition.leases`).

With one poller an answer counts as stored once journaled: a restarted poller finds the
SEQ of the last one in its own journal. A standby that takes a COMaster over cannot read
the dead poller's journal; it resumes after the SEQ the database holds. That is only right
if the database is never more than one answer behind what the COMaster last handed out,
so with leases an answer counts as stored once its entry is committed: the client sends
the next SEQ after that (a few tens of milliseconds later; the fixed-rate schedule skips a
tick when a commit takes longer than a poll interval). The COMaster then holds either the
answer the database has, or the one after it, which the standby's first request gets
repeated.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred

from poll.acquisition.journal import Journal


class CommittingJournal(Journal):
    """The journal, telling ``on_applied(number)`` (writer thread) what reached the
    database."""

    def __init__(self, directory: Path, on_applied: Callable[[int], None]) -> None:
        super().__init__(directory)
        self._on_applied = on_applied

    def mark_applied(self, number: int, *args: Any, **kwargs: Any) -> None:
        super().mark_applied(number, *args, **kwargs)
        self._on_applied(number)


class CommitWaiters:
    """Deferreds that fire once the journal entry they wait for is committed (reactor
    thread; :meth:`applied` may be called from any thread)."""

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self._applied = 0
        self._waiting: list[tuple[int, int, Deferred[None]]] = []
        self._order = itertools.count()

    def wait(self, number: int) -> Deferred[None]:
        """Fires once entry ``number`` is in the database."""
        done: Deferred[None] = Deferred()
        if number <= self._applied:
            done.callback(None)
        else:
            heapq.heappush(self._waiting, (number, next(self._order), done))
        return done

    def release_all(self) -> None:
        """Fire every waiting Deferred now (the commits they wait for may not come)."""
        waiting, self._waiting = self._waiting, []
        for _, _, done in waiting:
            done.callback(None)

    def applied(self, number: int) -> None:
        self._reactor.callFromThread(self._fire, number)

    def _fire(self, number: int) -> None:
        self._applied = max(self._applied, number)
        while self._waiting and self._waiting[0][0] <= self._applied:
            heapq.heappop(self._waiting)[2].callback(None)
