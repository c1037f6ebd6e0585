"""Idle live streams cost nothing per revision: a revision wakes only the streams of the
screens it touched, after one check per web process (hmi.revision_feed), on SQLite and
on PostgreSQL, with the feed listening to the database as in production."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import pytest

from hmi import stream as stream_module
from hmi.models import Screen
from hmi.revision_feed import RevisionFeed, read_database
from hmi.screen_import import import_drawing
from hmi.stream import screen_events
from tests.hmi.support import inkscape_drawing, load_small_site, overview_drawing
from tests.hmi.test_stream import publish

WAIT = 20.0


@pytest.fixture
def screens(settings):
    settings.STREAM_HEARTBEAT_SECONDS = 3600.0
    profile = load_small_site()
    import_drawing(profile, "overview", overview_drawing())
    import_drawing(profile, "other", inkscape_drawing('<rect tag="E4DI05"/>'))
    return {screen.name: (screen.pk, profile.pk) for screen in Screen.objects.all()}


@pytest.mark.django_db(transaction=True)
def test_an_idle_stream_does_no_query_and_no_wake_for_another_screens_revisions(
    screens, monkeypatch
):
    reads: list[int] = []
    real_read = stream_module.read_state

    def counted_read(screen_id: int, *args: Any) -> Any:
        reads.append(screen_id)
        return real_read(screen_id, *args)

    monkeypatch.setattr(stream_module, "read_state", counted_read)
    busy_id, profile_id = screens["overview"]
    idle_id, _ = screens["other"]

    async def scenario() -> None:
        feed = RevisionFeed(poll_interval=0.05)
        busy = screen_events(busy_id, profile_id, None, feed)
        idle = screen_events(idle_id, profile_id, None, feed)
        for events in (busy, idle):
            assert (await anext(events)).startswith(b"retry:")
            assert b'"elements":[' in await anext(events)  # the whole state
        assert sorted(reads) == sorted([busy_id, idle_id])
        idle_next = asyncio.ensure_future(anext(idle))
        (idle_watch,) = feed.watching(idle_id)
        for value in (1, 2, 1, 2, 1):
            revision = await read_database(publish, {"E4DI00": {"fill": value}})
            message = await asyncio.wait_for(_next(busy), WAIT)
            assert f"id: {revision}\n".encode() in message and b"E4DI00" in message
        assert not idle_next.done()
        assert idle_watch.wakes == 0
        assert reads.count(idle_id) == 1 and reads.count(busy_id) == 6
        # The idle screen's turn: its stream wakes and reads once.
        revision = await read_database(publish, {"E4DI05": {"fill": 3}})
        message = await asyncio.wait_for(idle_next, WAIT)
        assert f"id: {revision}\n".encode() in message and b"E4DI05" in message
        assert idle_watch.wakes == 1 and reads.count(idle_id) == 2
        for events in (busy, idle):
            await events.aclose()

    asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
def test_the_streams_of_a_screen_share_one_read_and_one_encoding_of_a_change(screens, monkeypatch):
    reads: list[int] = []
    real_read = stream_module.read_state

    def counted_read(screen_id: int, *args: Any) -> Any:
        reads.append(screen_id)
        return real_read(screen_id, *args)

    monkeypatch.setattr(stream_module, "read_state", counted_read)
    screen_id, profile_id = screens["overview"]

    async def scenario() -> None:
        feed = RevisionFeed(poll_interval=0.05)
        streams = [screen_events(screen_id, profile_id, None, feed) for _ in range(3)]
        for events in streams:
            await anext(events)  # retry
            await anext(events)  # the whole state
        opened = len(reads)
        waiting = [asyncio.ensure_future(_next(events)) for events in streams]
        revision = await read_database(publish, {"E4DI00": {"fill": 2}})
        messages = await asyncio.wait_for(asyncio.gather(*waiting), WAIT)
        assert f"id: {revision}\n".encode() in messages[0]
        assert len(reads) == opened + 1  # one read for the three streams
        assert all(message is messages[0] for message in messages)  # encoded once
        for events in streams:
            await events.aclose()

    asyncio.run(scenario())


async def _next(events: AsyncIterator[bytes]) -> bytes:
    """The next message, past heartbeats."""
    while True:
        chunk = await anext(events)
        if not chunk.startswith(b":"):
            return chunk


def test_open_streams_are_counted_until_the_client_goes() -> None:
    from smve.web_metrics import REGISTRY

    closed = []

    async def events() -> AsyncGenerator[bytes, None]:
        try:
            yield b"retry: 1000\n\n"
            yield b"id: 1\ndata: {}\n\n"
        finally:
            closed.append(True)

    def open_now() -> float:
        return REGISTRY.get_sample_value("smve_web_streams_open", {"channel": "screen"}) or 0.0

    async def scenario() -> None:
        before = open_now()
        stream = stream_module.counted(events(), "screen")
        assert isinstance(stream, AsyncGenerator)
        await anext(stream)
        assert open_now() == before + 1
        await stream.aclose()  # the client went away
        assert open_now() == before and closed == [True]

    asyncio.run(scenario())
