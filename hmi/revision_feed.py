"""The latest committed revision, watched once per web process for all its live streams.

On PostgreSQL one connection LISTENs for the poller's ``NOTIFY smve_revision, '<rev>'``;
on SQLite, which has no notifications, one query reads the latest revision at a short
interval. Either way a stream that waits costs no query of its own: it sleeps until the
feed announces a revision beyond the one it has sent. The watching runs only while some
stream is subscribed.

A screen's stream waits for more than a new revision: for one that touched its screen.
After each new revision the feed asks once, for all its streams together, which of the
watched screens have an element changed since the last check (:func:`touched_screens`),
and wakes only the streams of those screens. A stream whose screen stays idle is never
woken and makes no query, however many revisions the rest of the site commits; the cost
of a revision is one check per web process, not one read per stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from hmi.loop_local import LoopLocal
from hmi.screen_state import latest_revision, touched_screens
from poll.models import Revision
from smve.web_metrics import STREAM_CHECKS

log = logging.getLogger(__name__)

CHANNEL = "smve_revision"
#: How often a PostgreSQL listener with no subscriber left checks whether to stop, and
#: how long it waits before connecting again after losing its connection.
LISTEN_IDLE_CHECK_SECONDS = 30.0
LISTEN_RETRY_SECONDS = 2.0

T = TypeVar("T")


async def read_database(function: Callable[..., T], *args: Any) -> T:
    """Run a blocking database read off the event loop, in a shared worker thread, and
    close (or give back to the pool) the connection it used.

    The worker threads serve every stream of the process; a connection left open in one
    of them would be held between reads for as long as the process lives.
    """

    def run() -> T:
        try:
            return function(*args)
        finally:
            connection.close()

    return await sync_to_async(run, thread_sensitive=False)()


@dataclass(eq=False)
class ScreenWatch:
    """One stream's watch on its screen (:meth:`RevisionFeed.screen_watch`)."""

    screen_id: int
    profile_id: int
    covered_from: int | None
    """The feed's checks tell of every change to the screen after this revision (None
    until the stream first waits)."""
    touched: int = 0
    """The newest revision at which a check found the screen changed."""
    wakes: int = 0
    """How often a check woke this stream (what an idle stream must keep at 0)."""
    woken: asyncio.Event = field(default_factory=asyncio.Event)


class RevisionFeed:
    """Announces each new latest revision to every waiting stream, and each revision that
    touched a screen to the streams of that screen."""

    def __init__(self, poll_interval: float) -> None:
        self.latest = 0
        self.poll_interval = poll_interval
        self._changed = asyncio.Event()
        self._subscribers = 0
        self._watcher: asyncio.Task[None] | None = None
        self._watches: dict[int, set[ScreenWatch]] = {}
        self._checked: int | None = None
        """The checks have looked at every revision up to this one."""
        self._checking: asyncio.Task[None] | None = None
        self.checks = 0
        """Checks made (one per new revision, at most, while screens are watched)."""

    @asynccontextmanager
    async def screen_watch(self, screen_id: int, profile_id: int) -> AsyncIterator[ScreenWatch]:
        """Follow the changes of one screen (and keep the feed watching meanwhile)."""
        async with self.subscription():
            watch = ScreenWatch(screen_id, profile_id, covered_from=self._checked)
            self._watches.setdefault(screen_id, set()).add(watch)
            try:
                yield watch
            finally:
                watches = self._watches[screen_id]
                watches.discard(watch)
                if not watches:
                    del self._watches[screen_id]

    def watching(self, screen_id: int) -> list[ScreenWatch]:
        """The streams that watch the screen now."""
        return list(self._watches.get(screen_id, ()))

    async def wait_screen(self, watch: ScreenWatch, seen: int, timeout: float) -> int:
        """A revision beyond ``seen`` at which the screen may have changed, or ``seen``
        when ``timeout`` passed first.

        A stream whose ``seen`` is older than the revision the checks covered when it
        joined is told to read once (what changed in between was checked without it)."""
        if watch.covered_from is None:
            if self._checked is None:
                self._checked = seen
            watch.covered_from = self._checked
            self._schedule_check()
        if seen < watch.covered_from:
            return watch.covered_from
        if watch.touched <= seen:
            watch.woken.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(watch.woken.wait(), timeout)
        return max(watch.touched, seen)

    def _schedule_check(self) -> None:
        if self._watches and (self._checking is None or self._checking.done()):
            self._checking = asyncio.create_task(self._check())

    async def _check(self) -> None:
        """Until the checks caught up with the latest revision: which watched screens
        changed since the last check; wake their streams."""
        while self._watches and self._checked is not None and self._checked < self.latest:
            screens = {
                screen: next(iter(watches)).profile_id for screen, watches in self._watches.items()
            }
            after = self._checked
            try:
                touched, upto = await read_database(
                    touched_screens, list(screens), set(screens.values()), after
                )
            except Exception:
                log.exception("Cannot check which screens changed; trying at the next revision")
                return
            self.checks += 1
            STREAM_CHECKS.inc()
            for screen in touched:
                for watch in self._watches.get(screen, ()):
                    watch.touched = max(watch.touched, upto)
                    watch.wakes += 1
                    watch.woken.set()
            self._checked = max(after, upto)

    @asynccontextmanager
    async def subscription(self) -> AsyncIterator[RevisionFeed]:
        """Keep the feed watching while the caller follows it."""
        self._subscribers += 1
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())
        try:
            yield self
        finally:
            self._subscribers -= 1

    async def wait_beyond(self, revision: int, timeout: float) -> int:
        """The latest revision, once it is beyond ``revision`` or ``timeout`` passed."""
        if self.latest <= revision:
            changed = self._changed
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout)
        return self.latest

    def publish(self, revision: int) -> None:
        if revision > self.latest:
            self.latest = revision
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()
            self._schedule_check()

    async def _watch(self) -> None:
        if connection.vendor == "postgresql":
            await self._listen()
        else:
            await self._poll()

    async def _poll(self) -> None:
        while self._subscribers:
            try:
                self.publish(await read_database(latest_revision))
            except Exception:
                log.exception("Cannot read the latest revision; trying again")
            await asyncio.sleep(self.poll_interval)

    async def _listen(self) -> None:
        while self._subscribers:
            try:
                await self._listen_once()
            except Exception:
                log.exception("Lost the revision listener; listening again soon")
                await asyncio.sleep(LISTEN_RETRY_SECONDS)

    async def _listen_once(self) -> None:
        import psycopg
        from psycopg import sql

        latest_query = sql.SQL("SELECT MAX(id) FROM {}").format(
            sql.Identifier(Revision._meta.db_table)
        )
        async with await psycopg.AsyncConnection.connect(
            **_libpq_parameters(), autocommit=True
        ) as listener:
            await listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            # Whatever committed before LISTEN took effect is read, not announced.
            self.publish(await _scalar(listener, latest_query))
            while self._subscribers:
                async for notify in listener.notifies(timeout=LISTEN_IDLE_CHECK_SECONDS):
                    if notify.payload.isdigit():
                        self.publish(int(notify.payload))
                    else:
                        self.publish(await _scalar(listener, latest_query))


async def _scalar(listener: Any, query: Any) -> int:
    row = await (await listener.execute(query)).fetchone()
    return (row[0] if row else None) or 0


def _libpq_parameters() -> dict[str, Any]:
    """Django's connection parameters, less the ones only Django's cursor uses."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    return params


def _new_feed() -> RevisionFeed:
    return RevisionFeed(poll_interval=getattr(settings, "STREAM_POLL_SECONDS", 0.25))


_feeds = LoopLocal(_new_feed)


def revision_feed() -> RevisionFeed:
    """This process's feed (one per event loop)."""
    return _feeds.get()
