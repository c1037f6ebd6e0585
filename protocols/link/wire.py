"""The Twisted side of the connection keeper: a TCP connection carries bytes to and from it.

:class:`LinkProtocol` is the only place where a field client's bytes meet a socket: it
feeds what it reads to the field protocol's stream reader and hands the items (frames and
dropped bytes) to the :class:`~.keeper.Keeper`; it writes the frames the keeper sends.
:func:`tcp_dialer` opens such connections for a keeper. The protocol reports to an
:class:`Endpoint`: a keeper, or a :class:`~.gateway.Gateway` that shares one connection
among the keepers of the devices behind it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast

from twisted.internet import tcp
from twisted.internet.interfaces import IConnector
from twisted.internet.protocol import ClientFactory, connectionDone
from twisted.internet.protocol import Protocol as TwistedProtocol
from twisted.python.failure import Failure

from .keeper import Dial, Keeper, Wire

log = logging.getLogger(__name__)


class StreamReader(Protocol):
    """A field protocol's stream reader: bytes in, frames and dropped bytes out."""

    def feed(self, data: bytes) -> Sequence[object]: ...

    def clear(self) -> object | None:
        """Discard a held-back incomplete frame; return what was dropped, if anything."""


class _Transport(Protocol):
    """What the wire uses of its ``ITransport``."""

    def write(self, data: bytes) -> None: ...

    def loseConnection(self) -> None: ...


class Endpoint(Protocol):
    """What a connection reports to (a :class:`~.keeper.Keeper` or a gateway)."""

    def connection_made(self, wire: Wire) -> None: ...

    def connection_failed(self, detail: str) -> None: ...

    def connection_lost(self, detail: str) -> None: ...

    def received(self, items: Sequence[object]) -> None: ...


class LinkProtocol(TwistedProtocol):
    """One TCP connection to a device: bytes in and out, reader items to its endpoint."""

    def __init__(self, keeper: Endpoint, reader: StreamReader, name: str) -> None:
        self._keeper = keeper
        self._reader = reader
        self._name = name
        self._direct = False

    def connectionMade(self) -> None:
        transport = self.transport
        self._direct = isinstance(transport, tcp.Connection) and not transport.TLS
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)  # small request, small reply: no waiting to fill a segment
        self._keeper.connection_made(self)

    def dataReceived(self, data: bytes) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s <- %s", self._name, data.hex(" "))
        self._keeper.received(self._reader.feed(data))

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._keeper.connection_lost(reason.getErrorMessage())

    def send(self, frame: bytes) -> None:
        """Send ``frame``: on a plain TCP connection straight to the socket, which takes a
        small frame whole; Twisted's ``write`` would register the socket for writing, wait
        for the next turn of the loop, send and unregister it (three system calls and a
        loop turn more for every request). Whatever the socket does not take (it is full,
        or failing) goes to Twisted's buffer, which then sends it and reports a failure as
        it always does; from then on every frame goes that way, behind it."""
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s -> %s", self._name, frame.hex(" "))
        transport = cast(_Transport, self.transport)
        if self._direct:
            connection = cast(tcp.Connection, transport)
            sent = 0
            if not connection.disconnecting:
                try:
                    sent = connection.getHandle().send(frame)
                except OSError:
                    sent = 0
            if sent == len(frame):
                return
            frame = frame[sent:]
            self._direct = False
        transport.write(frame)

    def close(self) -> None:
        cast(_Transport, self.transport).loseConnection()

    def reset(self) -> None:
        self.close()

    def discard_partial_frame(self) -> None:
        if self._reader.clear() is not None:
            log.debug("%s: discarded a partial frame", self._name)

    def take_turn(self, go: Callable[[], None]) -> None:
        go()  # one device on this connection: its keeper has one try at a time already

    def end_turn(self) -> None:
        pass


class LinkFactory(ClientFactory):
    noisy = False  # a reconnecting keeper would log every attempt

    def __init__(self, keeper: Endpoint, new_reader: Callable[[], StreamReader], name: str) -> None:
        self._keeper = keeper
        self._new_reader = new_reader
        self._name = name

    def buildProtocol(self, addr: Any) -> LinkProtocol:
        return LinkProtocol(self._keeper, self._new_reader(), self._name)

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        self._keeper.connection_failed(reason.getErrorMessage())


def tcp_dialer(reactor: Any, new_reader: Callable[[], StreamReader]) -> Dial:
    """A dialler that connects a keeper over TCP to its settings' host and port, each
    connection with a fresh stream reader."""

    def dial(keeper: Keeper[Any, Any]) -> IConnector:
        settings = keeper.settings
        factory = LinkFactory(keeper, new_reader, f"{settings.host}:{settings.port}")
        connector: IConnector = reactor.connectTCP(
            settings.host, settings.port, factory, timeout=settings.connect_timeout
        )
        return connector

    return dial
