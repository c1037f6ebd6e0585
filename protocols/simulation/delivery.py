"""Writing a simulator's replies as its fault layer decided: delayed, split, or closing.

Replies of one connection go out one after the other, so that a delayed or split reply is
never interleaved with the next one.
"""

from __future__ import annotations

from collections import deque

from twisted.internet.interfaces import IDelayedCall, IReactorTime, ITransport

from .faults import Delivery

SPLIT_PAUSE = 0.001
"""Seconds between the pieces of a reply that is split into small writes."""


class DeliveryQueue:
    """The deliveries still to write on one connection."""

    def __init__(self, transport: ITransport, reactor: IReactorTime) -> None:
        self._transport = transport
        self._reactor = reactor
        self._queue: deque[Delivery] = deque()
        self._pending: IDelayedCall | None = None
        self._writing = False

    def put(self, delivery: Delivery) -> None:
        self._queue.append(delivery)
        if not self._writing:
            self._next()

    def cancel(self) -> None:
        """The connection is gone: write nothing more."""
        if self._pending is not None and self._pending.active():
            self._pending.cancel()
        self._queue.clear()

    def _next(self) -> None:
        if not self._queue:
            self._writing = False
            return
        self._writing = True
        delivery = self._queue.popleft()
        if delivery.delay > 0:
            self._pending = self._reactor.callLater(delivery.delay, self._write, delivery, 0)
        else:
            self._write(delivery, 0)

    def _write(self, delivery: Delivery, index: int) -> None:
        self._pending = None
        if delivery.close:
            self._queue.clear()
            self._writing = False
            self._transport.loseConnection()
            return
        self._transport.write(delivery.writes[index])
        if index + 1 < len(delivery.writes):
            self._pending = self._reactor.callLater(SPLIT_PAUSE, self._write, delivery, index + 1)
        else:
            self._next()
