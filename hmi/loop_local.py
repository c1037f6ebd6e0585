"""One object per running event loop: what the streams of one web process share (the
revision feed, the alarm changes, the shared state reads).

Each holds asyncio objects (futures, tasks, a LISTEN connection) bound to the loop that
made them, so a process with a second loop (the tests' ASGI servers, each in its own
thread; a worker restarted in place) gets its own; entries of loops that have closed are
dropped when a new loop asks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class LoopLocal(Generic[T]):
    """``factory()``'s object for the running event loop, made on first use there."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._objects: dict[asyncio.AbstractEventLoop, T] = {}

    def get(self) -> T:
        """The running loop's object (from a coroutine or a callback of that loop)."""
        loop = asyncio.get_running_loop()
        found = self._objects.get(loop)
        if found is None:
            for closed in [old for old in self._objects if old.is_closed()]:
                del self._objects[closed]
            found = self._objects[loop] = self._factory()
        return found
