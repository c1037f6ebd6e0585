"""One TCP connection shared by the devices behind one gateway (same host and port).

Many RS485-to-TCP gateways take one TCP connection at a time, and behind one sit several
devices told apart by their unit ids. Each device keeps its own :class:`~.keeper.Keeper`
(its schedule, timeout, tries, give-up and backoff stay its own); :class:`Gateway` is the
one connection under them:

- Each keeper dials the gateway and gets a :class:`Line`, its share of the connection,
  which it uses as its wire. The real connection is opened for the first line and closed
  once no line is left.
- Tries take turns: a keeper's try waits in the gateway's queue (first come, first
  served) until no other try is out, so one frame at most is in flight on the
  connection. The reply timeout starts when the try goes out, so a device's timeout is
  exact, and a try given back after a timeout goes to the back of the queue: a dead
  device delays each of its neighbours' requests by at most one of its timeouts.
- What the connection reads goes to the keeper whose try has the turn; a late reply that
  comes while another device has the turn goes to that one, whose client ignores it (it
  is from another unit).
- A device given up after timeouts closes only its line (it is offline, its keeper
  dials again after its backoff and gets a line at once). The connection itself is
  closed and reopened only when it fails: refused, reset or closed by the peer, or
  garbage that broke the framing (:meth:`Line.reset`); then every line is lost and every
  keeper reconnects on its own backoff.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from .keeper import Clock, Connecting, Dial, Keeper, Wire
from .wire import LinkFactory, StreamReader

log = logging.getLogger(__name__)

Open = Callable[["Gateway"], Connecting]
"""Opens the real connection of a gateway; it reports to the gateway."""


class Line:
    """One keeper's share of a gateway's connection: the wire the keeper sees, and the
    connection being opened for it until it is made."""

    def __init__(self, gateway: Gateway, keeper: Keeper[Any, Any]) -> None:
        self.gateway = gateway
        self.keeper = keeper

    # Wire

    def send(self, frame: bytes) -> None:
        self.gateway.send(self, frame)

    def close(self) -> None:
        self.gateway.detach(self, "the device's share of the connection is closed")

    def reset(self) -> None:
        self.gateway.reset()

    def discard_partial_frame(self) -> None:
        self.gateway.discard_partial_frame(self)

    def take_turn(self, go: Callable[[], None]) -> None:
        self.gateway.take_turn(self, go)

    def end_turn(self) -> None:
        self.gateway.end_turn(self)

    # Connecting

    def stopConnecting(self) -> None:
        self.gateway.forget(self)


class Gateway:
    """The one connection to a host and port, shared by the keepers of its devices."""

    def __init__(self, name: str, clock: Clock, open_connection: Open) -> None:
        self.name = name
        self._clock = clock
        self._open = open_connection
        self._lines: list[Line] = []  # attached: connected, or waiting for the connection
        self._connected: set[Line] = set()
        self._wire: Wire | None = None
        self._connecting: Connecting | None = None
        self._closing = False
        self._turns: deque[tuple[Line, Callable[[], None]]] = deque()
        self._holder: Line | None = None
        self.connections_opened = 0

    @property
    def lines(self) -> int:
        return len(self._lines)

    def attach(self, keeper: Keeper[Any, Any]) -> Line:
        """A keeper dials: it gets its line, made as soon as the connection is."""
        line = Line(self, keeper)
        self._lines.append(line)
        if self._wire is not None and not self._closing:
            self._clock.callLater(0, partial(self._make, line))
        elif self._connecting is None and self._wire is None:
            self._open_connection()
        return line

    # From the keepers, through their lines.

    def send(self, line: Line, frame: bytes) -> None:
        assert self._wire is not None and line in self._connected
        self._wire.send(frame)

    def take_turn(self, line: Line, go: Callable[[], None]) -> None:
        self._turns.append((line, go))
        self._next_turn()

    def end_turn(self, line: Line) -> None:
        if self._holder is line:
            self._holder = None
            self._next_turn()

    def discard_partial_frame(self, line: Line) -> None:
        if self._holder is line and self._wire is not None:
            self._wire.discard_partial_frame()

    def detach(self, line: Line, detail: str) -> None:
        """The keeper closes its line; it hears of it as of a closed connection."""
        if line not in self._connected:
            return
        self._drop(line)
        line.keeper.connection_lost(detail)
        self._close_if_unused()

    def forget(self, line: Line) -> None:
        """The keeper gives up a line not made yet."""
        if line in self._lines and line not in self._connected:
            self._drop(line)
            self._close_if_unused()

    def reset(self) -> None:
        """Close the connection itself: every line is lost."""
        if self._wire is not None and not self._closing:
            self._closing = True
            self._wire.reset()

    # From the connection (see :mod:`.wire`).

    def connection_made(self, wire: Wire) -> None:
        self._connecting = None
        self._wire = wire
        self.connections_opened += 1
        if not self._lines:
            self._close_if_unused()
            return
        for line in list(self._lines):
            self._make(line)

    def connection_failed(self, detail: str) -> None:
        self._connecting = None
        lines, self._lines = self._lines, []
        for line in lines:
            line.keeper.connection_failed(detail)

    def connection_lost(self, detail: str) -> None:
        self._wire = None
        self._closing = False
        self._holder = None
        self._turns.clear()
        lost = [line for line in self._lines if line in self._connected]
        waiting = [line for line in self._lines if line not in self._connected]
        self._lines = waiting
        self._connected.clear()
        for line in lost:
            line.keeper.connection_lost(detail)
        if self._lines and self._connecting is None and self._wire is None:
            self._open_connection()  # keepers that dialled while it was closing

    def received(self, items: Sequence[object]) -> None:
        if self._holder is not None:
            self._holder.keeper.received(items)
        elif items:
            log.debug("%s: %d items while no request was out, ignored", self.name, len(items))

    # Inside.

    def _open_connection(self) -> None:
        self._connecting = self._open(self)

    def _make(self, line: Line) -> None:
        if line not in self._lines or line in self._connected or self._wire is None:
            return
        self._connected.add(line)
        line.keeper.connection_made(line)

    def _next_turn(self) -> None:
        if self._holder is not None or self._wire is None or self._closing:
            return  # a closing connection sends nothing more; its loss fails the waiting
        while self._turns:
            line, go = self._turns.popleft()
            if line in self._connected:
                self._holder = line
                go()
                return

    def _drop(self, line: Line) -> None:
        self._lines.remove(line)
        self._connected.discard(line)
        self._turns = deque(turn for turn in self._turns if turn[0] is not line)
        if self._holder is line:
            self._holder = None
            self._next_turn()

    def _close_if_unused(self) -> None:
        if self._lines:
            return
        if self._wire is not None and not self._closing:
            self._closing = True
            self._wire.close()
        elif self._connecting is not None:
            connecting, self._connecting = self._connecting, None
            connecting.stopConnecting()


class Gateways:
    """The gateways of one reactor, by host and port: each keeper dialled through
    :meth:`dialer` shares the connection of the devices at its address."""

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self._gateways: dict[tuple[str, int], Gateway] = {}

    def gateway(self, host: str, port: int) -> Gateway | None:
        return self._gateways.get((host, port))

    def dialer(self, new_reader: Callable[[], StreamReader]) -> Dial:
        """A dialler that attaches a keeper to the gateway at its settings' address, whose
        connection (opened over TCP) reads with ``new_reader``'s readers."""

        def dial(keeper: Keeper[Any, Any]) -> Line:
            settings = keeper.settings
            key = (settings.host, settings.port)
            gateway = self._gateways.get(key)
            if gateway is None:
                name = f"{settings.host}:{settings.port}"
                opener = _tcp_opener(
                    self._reactor,
                    settings.host,
                    settings.port,
                    settings.connect_timeout,
                    new_reader,
                )
                gateway = self._gateways[key] = Gateway(name, self._reactor, opener)
            return gateway.attach(keeper)

        return dial


def _tcp_opener(
    reactor: Any, host: str, port: int, timeout: float, new_reader: Callable[[], StreamReader]
) -> Open:
    def open_connection(gateway: Gateway) -> Connecting:
        factory = LinkFactory(gateway, new_reader, gateway.name)
        connector: Connecting = reactor.connectTCP(host, port, factory, timeout=timeout)
        return connector

    return open_connection
