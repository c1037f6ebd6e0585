"""Several keepers sharing one connection (devices behind one gateway), on a fake clock and
a fake transport: one connection, one try out at a time, a dead device costs its
neighbours at most its own timeout per request, goes offline and comes back alone, and a
failed connection takes every device down and back up together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure

from protocols.link import FailedTry, Keeper
from protocols.link.gateway import Gateways

from .test_keeper import SETTINGS, LineConversation, LineReader

TIMEOUT = SETTINGS.reply_timeout


class Behind:
    """Keepers of devices ``names`` behind one gateway on a ``MemoryReactorClock``. Device
    ``x`` polls request ``x``; its tries go out as ``x#attempt``."""

    def __init__(self, names: Sequence[str] = ("a", "b")) -> None:
        self.reactor = MemoryReactorClock()
        self.gateways = Gateways(self.reactor)
        dial = self.gateways.dialer(LineReader)
        self.conversations = {name: LineConversation((name,)) for name in names}
        self.keepers: dict[str, Keeper[str, str]] = {
            name: Keeper(SETTINGS, conversation, self.reactor, dial, random_fraction=lambda: 0.0)
            for name, conversation in self.conversations.items()
        }
        self.transport = StringTransport()
        self.protocol: Any = None
        self.log: list[tuple[float, str]] = []  # (time, frame) of every frame sent

    def start(self) -> Behind:
        for keeper in self.keepers.values():
            keeper.start()
        self.connect()
        return self

    def connect(self) -> None:
        factory = self.reactor.tcpClients[-1][2]
        self.protocol = factory.buildProtocol(None)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        self.reactor.advance(0)

    def sent(self) -> list[str]:
        lines = self.transport.value().decode().splitlines()
        self.transport.clear()
        self.log.extend((self.reactor.seconds(), line) for line in lines)
        return lines

    def reply(self, line: str) -> None:
        self.protocol.dataReceived(f"{line}\n".encode())

    def advance(self, seconds: float) -> None:
        self.reactor.advance(seconds)

    def lose(self) -> None:
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.protocol = None

    @property
    def connects(self) -> int:
        return len(self.reactor.tcpClients)

    def of(self, name: str, kind: str) -> list[tuple[object, ...]]:
        return self.conversations[name].of(kind)


def test_devices_behind_one_gateway_share_one_connection_one_try_at_a_time() -> None:
    g = Behind(("a", "b", "c")).start()
    assert g.connects == 1
    assert all(keeper.connected for keeper in g.keepers.values())
    assert g.sent() == ["a#1"]  # b and c wait for their turn
    g.reply("a=1")
    assert g.sent() == ["b#1"]
    g.reply("b=2")
    assert g.sent() == ["c#1"]
    g.reply("c=3")
    assert g.sent() == []
    assert [call[2] for name in "abc" for call in g.of(name, "answer")] == ["1", "2", "3"]
    g.advance(1.0)  # the next tick of each
    assert g.sent() == ["a#1"]
    assert g.connects == 1


def test_a_reply_that_comes_while_a_neighbour_has_the_turn_goes_to_it_and_is_ignored() -> None:
    g = Behind().start()
    g.sent()
    g.advance(TIMEOUT)  # a timed out
    assert g.sent() == ["b#1"]
    g.reply("a=late")  # a's late reply: b does not take it
    assert g.of("b", "answer") == [] and g.of("a", "answer") == []
    g.reply("b=2")
    assert [call[2] for call in g.of("b", "answer")] == ["2"]


def test_a_dead_device_delays_each_neighbour_request_by_at_most_its_timeout() -> None:
    g = Behind().start()
    steps = 199  # 9.95 s: b ticks at 0, 1, ... 9; a is down and dials again in between
    for _ in range(steps):  # a never answers; b answers every try at once
        for frame in g.sent():
            if frame.startswith("b#"):
                g.reply("b=ok")
        g.advance(0.05)
    assert len(g.of("a", "down")) >= 2  # a gave up, came back, gave up again
    assert len(g.of("b", "answer")) == 10 and g.of("b", "failed") == []
    b_sent = [at for at, frame in g.log if frame.startswith("b#")]
    assert all(0 <= at - tick <= TIMEOUT + 1e-9 for tick, at in enumerate(b_sent))
    assert any(at - tick > 0 for tick, at in enumerate(b_sent))  # a did delay b at times


def test_a_dead_device_goes_offline_alone_and_comes_back() -> None:
    g = Behind().start()
    assert g.sent() == ["a#1"]
    for attempt in (1, 2, 3):  # a never answers; b's turn comes between a's tries
        g.advance(TIMEOUT)
        frames = g.sent()
        if attempt < 3:
            assert frames[0] == "b#1" or frames == ["a#" + str(attempt + 1)]
        for frame in frames:
            if frame.startswith("b#"):
                g.reply("b=ok")
        g.sent()
    assert [call[3] for call in g.of("a", "failed")] == [FailedTry.TIMEOUT] * 3
    assert len(g.of("a", "down")) == 1
    assert not g.keepers["a"].connected  # its share of the connection is closed
    assert g.keepers["b"].connected and not g.transport.disconnecting
    assert g.of("b", "down") == [] and g.of("b", "lost") == []
    g.advance(1.0)  # b keeps polling on its own schedule
    assert "b#1" in g.sent()
    g.reply("b=ok")
    frames = []
    while "a#1" not in frames:  # a's backoff runs out: it gets its share again
        g.advance(0.05)
        frames = g.sent()
        if "b#1" in frames:
            g.reply("b=ok")
            frames += g.sent()
    assert g.keepers["a"].connected and g.connects == 1  # no new connection
    g.reply("a=back")
    assert g.of("a", "answer")[-1][2] == "back"
    assert len(g.of("a", "up")) == 2 and len(g.of("b", "up")) == 1


def test_a_lost_connection_takes_every_device_down_and_reconnects_them_together() -> None:
    g = Behind().start()
    g.sent()
    g.lose()
    assert not any(keeper.connected for keeper in g.keepers.values())
    assert len(g.of("a", "lost")) == 1 and len(g.of("b", "lost")) == 1
    g.advance(SETTINGS.backoff_initial)  # each keeper dials again after its backoff
    assert g.connects == 2  # one new connection for both
    g.connect()
    assert all(keeper.connected for keeper in g.keepers.values())
    assert g.sent() == ["a#2"]  # a's try lost with the connection goes again, b waits
    g.reply("a=1")
    assert g.sent() == ["b#1"]


def test_a_refused_connection_is_reported_to_every_device() -> None:
    g = Behind()
    for keeper in g.keepers.values():
        keeper.start()
    factory: Any = g.reactor.tcpClients[-1][2]
    factory.clientConnectionFailed(None, Failure(ConnectionRefusedError()))
    assert len(g.of("a", "down")) == 1 and len(g.of("b", "down")) == 1
    g.advance(SETTINGS.backoff_max)
    assert g.connects == 2


def test_garbage_that_breaks_the_framing_resets_the_connection_for_all() -> None:
    g = Behind().start()
    assert g.sent() == ["a#1"]
    for attempt in (1, 2, 3):
        g.reply("a?")  # unusable: costs a try
        frames = g.sent()
        for frame in frames:
            if frame.startswith("b#"):
                g.reply("b=ok")
                frames += g.sent()
        if attempt < 3:
            assert f"a#{attempt + 1}" in frames
    assert [call[3] for call in g.of("a", "failed")] == [FailedTry.BAD_FRAME] * 3
    assert g.transport.disconnecting  # the connection itself is closed
    g.lose()
    assert not g.keepers["b"].connected and len(g.of("b", "lost")) == 1


def test_stopping_every_device_closes_the_connection() -> None:
    g = Behind().start()
    g.sent()
    stopped_a = g.keepers["a"].stop()
    assert stopped_a.called and not g.transport.disconnecting
    assert g.sent() == ["b#1"]  # a gave its turn back
    g.keepers["b"].stop()
    assert g.transport.disconnecting
    g.lose()
    g.advance(60)
    assert g.connects == 1
