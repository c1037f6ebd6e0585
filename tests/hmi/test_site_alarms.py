"""The process's log of alarm changes (hmi.site_alarms): one read per new revision for all
the site streams, whatever each has sent, and None where the log cannot answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hmi import site_alarms
from hmi.site_alarms import KEPT_RANGES, AlarmChanges


@pytest.fixture
def reads(monkeypatch) -> list[tuple[int, int]]:
    """The ranges read; each alarm of a range is the alarm numbered by its revision."""
    asked: list[tuple[int, int]] = []

    def changed(after: int, upto: int, most: int) -> list[dict[str, Any]] | None:
        asked.append((after, upto))
        alarms = [
            {"id": revision % 3, "revision": revision} for revision in range(after + 1, upto + 1)
        ]
        return None if len(alarms) > most else alarms

    monkeypatch.setattr(site_alarms, "changed_alarms", changed)
    return asked


def test_streams_at_the_same_revision_share_one_read(reads):
    async def scenario() -> None:
        log = AlarmChanges(most=100)
        async with log.following():
            answers = await asyncio.gather(*(log.since(10, 12) for _ in range(5)))
            assert reads == [(10, 12)]
            assert all(a == [{"id": 2, "revision": 11}, {"id": 0, "revision": 12}] for a in answers)
            # A stream one revision behind takes both ranges, newest item per alarm.
            assert await log.since(12, 14) == [{"id": 1, "revision": 13}, {"id": 2, "revision": 14}]
            assert await log.since(10, 14) == [
                {"id": 2, "revision": 14},
                {"id": 0, "revision": 12},
                {"id": 1, "revision": 13},
            ]
            assert reads == [(10, 12), (12, 14)]
            assert log.reads == 2

    asyncio.run(scenario())


def test_the_log_answers_none_where_it_cannot_tell(reads):
    async def scenario() -> None:
        log = AlarmChanges(most=3)
        async with log.following():
            assert await log.since(10, 11) is not None
            assert await log.since(5, 11) is None  # before the log began
            assert await log.since(11, 20) is None  # too many to carry
            assert await log.since(20, 21) == [{"id": 0, "revision": 21}]
            for revision in range(21, 21 + KEPT_RANGES):
                await log.since(revision, revision + 1)
            assert await log.since(20, 22) is None  # fell out of the log
        async with log.following():  # forgotten once nobody followed: read afresh
            assert await log.since(30, 31) == [{"id": 1, "revision": 31}]
            assert reads[-1] == (30, 31)

    asyncio.run(scenario())


def test_a_maximum_of_zero_sends_no_alarms(reads):
    async def scenario() -> None:
        log = AlarmChanges(most=0)
        async with log.following():
            assert await log.since(1, 2) is None
        assert reads == []

    asyncio.run(scenario())
