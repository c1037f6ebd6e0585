"""The keeper's Twisted wire over real TCP on 127.0.0.1: a line server on an OS-picked
port, the toy conversation of the keeper tests as the client, one reactor of the test's
own driven until what the test waits for has happened."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.selectreactor import SelectReactor

from protocols.link import Keeper, tcp_dialer
from protocols.link.keeper import Wire
from protocols.link.wire import LinkFactory

from .test_keeper import SETTINGS, LineConversation, LineReader


class AnsweringLines(Protocol):
    """Answers every ``name#attempt`` line with ``name=attempt``; closes on ``bye#...``."""

    transport: Any

    def dataReceived(self, data: bytes) -> None:
        for line in data.decode().splitlines():
            name, _, attempt = line.partition("#")
            if name == "bye":
                self.transport.loseConnection()
            else:
                self.transport.write(f"{name}={attempt}\n".encode())


@pytest.fixture
def reactor() -> Iterator[SelectReactor]:
    reactor = SelectReactor()
    yield reactor
    calls: Sequence[Any] = reactor.getDelayedCalls()
    for call in calls:
        call.cancel()
    reactor.disconnectAll()


def run_until(reactor: SelectReactor, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10.0
    while not done():
        assert time.monotonic() < deadline, "what the test waits for never happened"
        reactor.iterate(0.05)


def keeper_of(reactor: SelectReactor, port: int, conversation: LineConversation) -> Keeper:
    settings = replace(
        SETTINGS, host="127.0.0.1", port=port, reply_timeout=5.0, backoff_initial=0.01
    )
    return Keeper(settings, conversation, reactor, tcp_dialer(reactor, LineReader))


def test_requests_and_answers_cross_a_real_connection(reactor: SelectReactor) -> None:
    listening = reactor.listenTCP(0, Factory.forProtocol(AnsweringLines), interface="127.0.0.1")
    conversation = LineConversation(cycle=("a", "b"))
    keeper = keeper_of(reactor, listening.getHost().port, conversation)
    keeper.start()
    run_until(reactor, lambda: bool(conversation.of("cycle")))
    assert [call[1:3] for call in conversation.of("answer")] == [("a", "1"), ("b", "1")]
    closed = keeper.stop()
    run_until(reactor, lambda: closed.called)
    assert not keeper.connected
    listening.stopListening()


def test_a_closed_connection_is_reported_and_reopened(reactor: SelectReactor) -> None:
    listening = reactor.listenTCP(0, Factory.forProtocol(AnsweringLines), interface="127.0.0.1")
    conversation = LineConversation(cycle=("bye",))
    keeper = keeper_of(reactor, listening.getHost().port, conversation)
    keeper.start()
    run_until(reactor, lambda: bool(conversation.of("reconnect")))
    assert conversation.of("failed")[0][1:3] == ("bye", 1)
    assert len(conversation.of("lost")) == 1
    run_until(reactor, lambda: len(conversation.of("up")) == 2)
    keeper.stop()
    listening.stopListening()


def test_a_refused_connection_is_reported_down(reactor: SelectReactor) -> None:
    listening = reactor.listenTCP(0, Factory.forProtocol(AnsweringLines), interface="127.0.0.1")
    port = listening.getHost().port
    stopped = listening.stopListening()
    run_until(reactor, lambda: stopped.called)
    conversation = LineConversation()
    keeper = keeper_of(reactor, port, conversation)
    keeper.start()
    run_until(reactor, lambda: bool(conversation.of("down")))
    assert str(conversation.of("down")[0][1]).startswith("cannot connect")
    keeper.stop()


class Holding(Protocol):
    """Reads nothing until told to: the client's socket fills up."""

    transport: Any

    def connectionMade(self) -> None:
        self.data = bytearray()
        self.transport.pauseProducing()
        HOLDING.append(self)

    def dataReceived(self, data: bytes) -> None:
        self.data += data


HOLDING: list[Holding] = []


class Wired:
    """An endpoint that keeps the wire it is given and ignores the rest."""

    def __init__(self) -> None:
        self.wire: Wire | None = None

    def connection_made(self, wire: Wire) -> None:
        self.wire = wire

    def connection_failed(self, detail: str) -> None: ...

    def connection_lost(self, detail: str) -> None: ...

    def received(self, items: Sequence[object]) -> None: ...


def test_frames_a_full_socket_does_not_take_arrive_whole_and_in_order(
    reactor: SelectReactor,
) -> None:
    HOLDING.clear()
    listening = reactor.listenTCP(0, Factory.forProtocol(Holding), interface="127.0.0.1")
    endpoint = Wired()
    port = listening.getHost().port
    reactor.connectTCP("127.0.0.1", port, LinkFactory(endpoint, LineReader, "held"))
    run_until(reactor, lambda: endpoint.wire is not None and bool(HOLDING))
    assert endpoint.wire is not None
    big = b"x" * 64_000_000  # more than the sockets' buffers take while nobody reads
    endpoint.wire.send(big)
    endpoint.wire.send(b"tail")
    (server,) = HOLDING
    server.transport.resumeProducing()
    run_until(reactor, lambda: len(server.data) >= len(big) + 4)
    assert server.data[-4:] == b"tail" and server.data.count(b"x") == len(big)
    listening.stopListening()
