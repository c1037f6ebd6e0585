"""The connection keeper on a fake clock and a fake transport: every behaviour the field
clients share, tested once, with a toy line protocol as the field client."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure

from protocols.link import (
    Answer,
    FailedTry,
    Keeper,
    LinkSettings,
    RequestFailed,
    Unusable,
    tcp_dialer,
)

REFUSED = "Connection was refused by other side."
SETTINGS = LinkSettings(
    host="10.0.0.7",
    port=4000,
    poll_interval=1.0,
    reply_timeout=0.25,
    attempts=3,
    connect_timeout=4.0,
    backoff_initial=2.0,
    backoff_max=10.0,
)


class LineReader:
    """The toy protocol's stream reader: one item per line."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        *lines, self._buffer = (self._buffer + data).split(b"\n")
        return lines

    def clear(self) -> bytes | None:
        partial, self._buffer = self._buffer, b""
        return partial or None


class LineConversation:
    """A toy field client. A request is a name; its tries go out as ``name#attempt``. A
    reply ``name=value`` answers it, ``name?`` is an unusable reply, and any other line is
    noise. Records what the keeper reports."""

    def __init__(self, cycle: Sequence[str] = ("a",)) -> None:
        self.cycle = list(cycle)
        self.calls: list[tuple[object, ...]] = []
        self.handled: Deferred[None] | None = None  # what ``answered`` returns

    def link_up(self) -> None:
        self.calls.append(("up",))

    def poll_requests(self) -> list[str]:
        return self.cycle

    def encode(self, request: str, attempt: int) -> bytes:
        return f"{request}#{attempt}\n".encode()

    def examine(self, request: str | None, item: bytes) -> Answer[str] | Unusable | None:
        name, sep, value = item.decode().partition("=")
        if sep and name == request:
            return Answer(value)
        if item.decode() == f"{request}?":
            return Unusable("unreadable")
        return None

    def try_sent(self, request: str, attempt: int, lateness: float | None) -> None:
        self.calls.append(("sent", request, attempt, lateness))

    def answered(self, request: str, answer: str, latency: float) -> Deferred[None] | None:
        self.calls.append(("answer", request, answer, latency))
        return self.handled

    def cycle_completed(self, lateness: float, duration: float) -> None:
        self.calls.append(("cycle", lateness, duration))

    def try_failed(self, request: str, attempt: int, why: FailedTry, detail: str) -> None:
        self.calls.append(("failed", request, attempt, why))

    def link_down(self, reason: str) -> None:
        self.calls.append(("down", reason))

    def link_lost(self, detail: str) -> None:
        self.calls.append(("lost", detail))

    def reconnect_scheduled(self, delay: float) -> None:
        self.calls.append(("reconnect", delay))

    def of(self, kind: str) -> list[tuple[object, ...]]:
        return [call for call in self.calls if call[0] == kind]


class Harness:
    """A keeper on a ``MemoryReactorClock``, its connections on ``StringTransport``s."""

    def __init__(
        self,
        settings: LinkSettings = SETTINGS,
        cycle: Sequence[str] = ("a",),
        fraction: float = 0.0,
    ) -> None:
        self.reactor = MemoryReactorClock()
        self.conversation = LineConversation(cycle)
        self.keeper: Keeper[str, str] = Keeper(
            settings,
            self.conversation,
            self.reactor,
            tcp_dialer(self.reactor, LineReader),
            random_fraction=lambda: fraction,
        )
        self.transport = StringTransport()
        self.protocol: Any = None

    def start(self) -> Harness:
        self.keeper.start()
        self.connect()
        return self

    def connect(self) -> None:
        factory = self.reactor.tcpClients[-1][2]
        self.protocol = factory.buildProtocol(None)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)

    def refuse(self) -> None:
        factory: Any = self.reactor.tcpClients[-1][2]
        factory.clientConnectionFailed(None, Failure(ConnectionRefusedError()))

    def sent(self) -> list[str]:
        """The frames written since the last call."""
        lines = self.transport.value().decode().splitlines()
        self.transport.clear()
        return lines

    def feed(self, data: bytes) -> None:
        assert self.protocol is not None
        self.protocol.dataReceived(data)

    def reply(self, line: str) -> None:
        self.feed(f"{line}\n".encode())

    def lose(self) -> None:
        assert self.protocol is not None
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.protocol = None

    def advance(self, seconds: float) -> None:
        self.reactor.advance(seconds)

    @property
    def connects(self) -> int:
        return len(self.reactor.tcpClients)


# Connecting and the schedule.


def test_connects_to_the_settings_address_and_polls_at_once() -> None:
    h = Harness()
    h.keeper.start()
    host, port, _, timeout, _ = h.reactor.tcpClients[0]
    assert (host, port, timeout) == ("10.0.0.7", 4000, 4.0)
    assert not h.keeper.connected
    h.connect()
    assert h.keeper.connected
    assert h.conversation.calls == [("up",), ("sent", "a", 1, 0.0)]
    assert h.sent() == ["a#1"]


def test_polls_keep_a_fixed_rate_on_the_keepers_own_phase() -> None:
    h = Harness(fraction=0.25)
    h.advance(10.5)
    h.start()
    assert h.sent() == ["a#1"]
    h.reply("a=1")
    h.advance(0.749)
    assert h.sent() == []
    h.advance(0.001)  # t = 11.25
    assert h.sent() == ["a#1"]
    h.advance(0.1)
    h.reply("a=2")
    h.advance(0.9)  # t = 12.25: on the grid, not 1 s after the reply
    assert h.sent() == ["a#1"]


def test_a_slow_cycle_skips_ticks_and_keeps_the_grid() -> None:
    h = Harness(replace(SETTINGS, reply_timeout=5.0)).start()
    h.sent()
    h.reply("a=1")
    h.advance(1.0)
    assert h.sent() == ["a#1"]
    h.advance(1.5)  # t = 2.5: the tick at 2 s came while the cycle ran
    assert h.sent() == []
    h.reply("a=2")
    h.advance(0.499)
    assert h.sent() == []
    h.advance(0.001)  # t = 3.0
    assert h.sent() == ["a#1"]
    assert [call[3] for call in h.conversation.of("sent")] == [0.0, 0.0, 0.0]


def test_a_late_tick_reports_its_lateness() -> None:
    h = Harness(replace(SETTINGS, reply_timeout=5.0)).start()
    h.reply("a=1")
    h.reactor.advance(1.3)  # the reactor ran the tick due at 1.0 only at 1.3
    assert h.conversation.of("sent")[-1] == ("sent", "a", 1, pytest.approx(0.3))


def test_a_cycle_sends_its_requests_one_at_a_time_and_reports_its_end() -> None:
    h = Harness(cycle=("a", "b", "c")).start()
    assert h.sent() == ["a#1"]
    h.advance(0.1)
    h.reply("a=1")
    assert h.sent() == ["b#1"]
    h.advance(0.2)
    h.reply("b=2")
    assert h.sent() == ["c#1"]
    assert h.conversation.of("cycle") == []
    h.reply("c=3")
    assert [call[1:3] for call in h.conversation.of("answer")] == [
        ("a", "1"),
        ("b", "2"),
        ("c", "3"),
    ]
    assert h.conversation.of("cycle") == [("cycle", 0.0, pytest.approx(0.3))]
    assert [call[3] for call in h.conversation.of("sent")] == [0.0, None, None]


def test_latency_is_measured_from_the_last_try() -> None:
    h = Harness().start()
    h.advance(0.25)
    h.advance(0.1)
    h.reply("a=1")
    assert h.conversation.of("answer") == [("answer", "a", "1", pytest.approx(0.1))]


# Retrying and giving up.


def test_a_timeout_retries_the_same_request_at_the_exact_time() -> None:
    h = Harness().start()
    h.sent()
    h.advance(0.249)
    assert h.sent() == []
    h.advance(0.001)
    assert h.conversation.of("failed") == [("failed", "a", 1, FailedTry.TIMEOUT)]
    assert h.sent() == ["a#2"]
    assert h.conversation.of("sent")[-1] == ("sent", "a", 2, None)


def test_a_timeout_discards_a_partial_frame() -> None:
    h = Harness().start()
    h.feed(b"a=")
    h.advance(0.25)
    h.reply("a=7")
    assert h.conversation.of("answer")[0][2] == "7"


def test_the_last_try_gives_up_closes_and_reconnects_after_the_backoff() -> None:
    h = Harness(cycle=("a", "b")).start()
    h.advance(0.25)
    h.advance(0.25)
    assert h.conversation.of("down") == []
    h.advance(0.25)
    assert [call[2] for call in h.conversation.of("failed")] == [1, 2, 3]
    assert h.conversation.of("down") == [
        ("down", "no answer after 3 tries (reply timeout: no reply in 0.25 s)")
    ]
    assert h.transport.disconnecting
    assert h.sent() == ["a#1", "a#2", "a#3"], "the rest of the cycle is dropped"
    h.lose()
    assert h.conversation.of("lost") == [], "the keeper closed it: no news"
    assert h.conversation.of("reconnect") == [("reconnect", 4.0)]  # 2 s doubled once
    h.advance(3.999)
    assert h.connects == 1
    h.advance(0.001)
    assert h.connects == 2
    h.connect()
    assert h.sent() == ["a#1"], "a new cycle, its tries counted from one"


def test_an_unusable_reply_uses_up_a_try_and_is_retried_at_once() -> None:
    h = Harness().start()
    h.sent()
    h.reply("a?")
    assert h.conversation.of("failed") == [("failed", "a", 1, FailedTry.BAD_FRAME)]
    assert h.sent() == ["a#2"]


def test_a_sound_answer_in_the_same_read_wins_over_an_unusable_one() -> None:
    h = Harness(cycle=("a", "b")).start()
    h.feed(b"a?\nnoise\na=5\n")
    assert h.conversation.of("failed") == [], "nor does it count against the next request"
    assert h.conversation.of("answer")[0][2] == "5"
    assert h.sent() == ["a#1", "b#1"]


def test_noise_and_stray_replies_are_ignored() -> None:
    h = Harness().start()
    h.feed(b"noise\nb=1\n")
    assert h.conversation.of("failed") == [] and h.conversation.of("answer") == []
    h.reply("a=1")
    h.reply("a=1")  # a repeat, when nothing waits for an answer
    assert len(h.conversation.of("answer")) == 1


# Losing the connection.


def test_a_lost_connection_uses_up_a_try_and_the_request_goes_first_after_reconnect() -> None:
    h = Harness(cycle=("a", "b")).start()
    h.reply("a=1")
    h.sent()
    h.lose()  # b#1 in flight
    assert h.conversation.of("failed") == [("failed", "b", 1, FailedTry.CONNECTION_LOST)]
    assert h.conversation.of("lost") == [("lost", "Connection was closed cleanly.")]
    assert h.conversation.of("down") == []
    assert h.conversation.of("reconnect") == [("reconnect", 2.0)], "an answer reset the backoff"
    h.advance(2.0)
    h.connect()
    assert h.sent() == ["b#2"], "the cycle goes on where it stopped"
    h.reply("b=2")
    assert h.conversation.of("cycle") == [("cycle", 0.0, pytest.approx(2.0))]


def test_losing_the_connection_on_every_try_gives_up() -> None:
    h = Harness().start()
    h.lose()
    h.advance(2.0)
    h.connect()
    h.lose()
    assert h.conversation.of("down") == []
    h.advance(2.0)
    h.connect()
    assert h.sent() == ["a#3"]
    h.lose()
    assert h.conversation.of("down") == [
        ("down", "no answer after 3 tries (connection lost: Connection was closed cleanly.)")
    ]
    assert len(h.conversation.of("lost")) == 2, "the give-up is the news of the last loss"
    assert h.conversation.of("reconnect")[-1] == ("reconnect", 4.0)


def test_a_loss_between_requests_fails_no_try() -> None:
    h = Harness().start()
    h.reply("a=1")
    h.lose()
    assert h.conversation.of("failed") == []
    assert h.conversation.of("lost") == [("lost", "Connection was closed cleanly.")]


# Backoff.


def test_backoff_grows_while_connecting_fails_is_capped_and_resets_after_an_answer() -> None:
    h = Harness()
    h.keeper.start()
    for delay in (4.0, 8.0, 10.0, 10.0):
        h.refuse()
        assert h.conversation.of("down")[-1] == ("down", f"cannot connect: {REFUSED}")
        assert h.conversation.of("reconnect")[-1] == ("reconnect", delay)
        h.advance(delay)
    h.connect()
    h.reply("a=1")
    h.lose()
    assert h.conversation.of("reconnect")[-1] == ("reconnect", 2.0)


def test_backoff_is_jittered() -> None:
    h = Harness(fraction=1.0)
    h.keeper.start()
    h.refuse()
    assert h.conversation.of("reconnect") == [("reconnect", 3.0)]  # 4 s less a quarter


# Answers that take time to handle.


def test_the_next_request_waits_until_the_answer_is_handled() -> None:
    h = Harness(cycle=("a", "b")).start()
    handled: Deferred[None] = Deferred()
    h.conversation.handled = handled
    h.reply("a=1")
    assert h.sent() == ["a#1"]
    h.advance(1.0)
    assert h.sent() == [], "no request goes out, and the tick is skipped"
    h.conversation.handled = None
    handled.callback(None)
    assert h.sent() == ["b#1"]


def test_an_answer_that_cannot_be_handled_is_logged_and_polling_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = Harness(cycle=("a", "b")).start()
    handled: Deferred[None] = Deferred()
    h.conversation.handled = handled
    h.reply("a=1")
    handled.errback(OSError("disk full"))
    assert "answer to 'a' not handled" in caplog.text
    assert h.sent()[-1] == "b#1"


# Commands.


def test_a_command_goes_before_the_next_poll_request_and_never_beside_one() -> None:
    h = Harness(cycle=("a", "b")).start()
    h.sent()
    done = h.keeper.submit("w")
    assert h.sent() == [], "one request in flight"
    h.reply("a=1")
    assert h.sent() == ["w#1"]
    results: list[str] = []
    done.addCallback(results.append)
    h.reply("w=ok")
    assert results == ["ok"]
    assert h.conversation.of("answer") == [("answer", "a", "1", 0.0)], "to its sender only"
    assert h.sent() == ["b#1"]


def test_a_command_between_cycles_goes_at_once_and_is_retried() -> None:
    h = Harness().start()
    h.reply("a=1")
    h.sent()
    h.keeper.submit("w")
    assert h.sent() == ["w#1"]
    h.advance(0.25)
    assert h.sent() == ["w#2"]
    assert h.conversation.of("failed") == [("failed", "w", 1, FailedTry.TIMEOUT)]


def test_a_command_given_up_fails_and_so_do_those_waiting() -> None:
    h = Harness().start()
    h.reply("a=1")
    failures: list[Failure] = []
    h.keeper.submit("w").addErrback(failures.append)
    h.keeper.submit("x").addErrback(failures.append)
    for _ in range(3):
        h.advance(0.25)
    assert [failure.check(RequestFailed) for failure in failures] == [RequestFailed] * 2
    assert "no answer after 3 tries" in str(failures[0].value)


def test_commands_fail_when_not_connected_or_when_the_connection_is_lost() -> None:
    h = Harness()
    failures: list[Failure] = []
    h.keeper.submit("w").addErrback(failures.append)
    assert str(failures[0].value) == "the device is not connected"
    h.start()
    h.keeper.submit("w").addErrback(failures.append)
    h.lose()
    assert failures[1].check(RequestFailed)
    assert str(failures[1].value) == "connection lost: Connection was closed cleanly."
    h.advance(2.0)
    h.connect()
    assert h.sent() == ["a#2"], "the poll request survives, the command does not"


def test_a_frame_that_gets_no_answer_is_written_at_once() -> None:
    h = Harness().start()
    h.sent()
    h.reply("a=1")
    h.keeper.send_unanswered(b"hello\n")
    assert h.sent() == ["hello"]


# Stopping.


def test_stop_closes_the_connection_and_nothing_more_happens() -> None:
    h = Harness().start()
    h.sent()
    failures: list[Failure] = []
    h.keeper.submit("w").addErrback(failures.append)
    closed = h.keeper.stop()
    assert h.transport.disconnecting and not closed.called
    assert failures[0].check(RequestFailed)
    h.advance(5.0)
    h.reply("a=1")
    assert h.sent() == [] and h.conversation.of("answer") == []
    h.lose()
    assert closed.called
    assert h.conversation.of("failed") == [] and h.conversation.of("down") == []
    h.advance(100.0)
    assert h.connects == 1 and h.conversation.of("reconnect") == []


def test_stop_while_connecting_stops_the_connector() -> None:
    h = Harness()
    h.keeper.start()
    connector = h.reactor.connectors[-1]
    stopped = h.keeper.stop()
    assert stopped.called
    assert connector.stoppedConnecting


def test_a_connection_made_after_stop_is_closed_at_once() -> None:
    h = Harness()
    h.keeper.start()
    factory = h.reactor.tcpClients[-1][2]
    h.keeper.stop()
    protocol: Any = factory.buildProtocol(None)
    transport = StringTransport()
    protocol.makeConnection(transport)
    assert transport.disconnecting and transport.value() == b""
    assert not h.keeper.connected


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        replace(SETTINGS, attempts=0)
    with pytest.raises(ValueError):
        replace(SETTINGS, reply_timeout=0.0)
