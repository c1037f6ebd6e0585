"""The poll client's state machine, on a fake clock and a fake transport: no sockets, no
sleeps, every timeout exact."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from twisted.internet.defer import Deferred, fail
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure

from protocols.mara import (
    AnalogValue,
    Command,
    PollReply,
    StreamReader,
    TimeSet,
    encode_poll_reply,
)
from protocols.mara.client import (
    SEQ_FIRST,
    SEQ_LAST,
    ClientSettings,
    FailedTry,
    MaraClientProtocol,
    PollClient,
    next_seq,
)

FIELD_NOW = datetime(2024, 3, 5, 10, 20, 30, 500000)
SETTINGS = ClientSettings(
    host="10.0.0.4",
    port=9761,
    address=1,
    poll_interval=1.0,
    reply_timeout=0.25,
    attempts=3,
    time_set_interval=60.0,
    connect_timeout=4.0,
    backoff_initial=2.0,
    backoff_max=10.0,
)
REPLY = PollReply(sv=b"\x00" * 6, di=(0x0005,), ai=(AnalogValue(0, 1320),), events=())


class RecordingSink:
    """Records what the client reports; stores replies unless told otherwise."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.replies: list[tuple[int, PollReply, float]] = []
        self.store_result: object = None

    def poll_sent(self, seq: int, attempt: int, lateness: float | None) -> None:
        self.calls.append(("poll", seq, attempt, lateness))

    def reply_received(self, seq: int, reply: PollReply, latency: float):
        self.replies.append((seq, reply, latency))
        return self.store_result

    def try_failed(self, seq: int, attempt: int, why: FailedTry, detail: str) -> None:
        self.calls.append(("failed", seq, attempt, why))

    def bad_frame(self, data: bytes, reason: str) -> None:
        self.calls.append(("bad", reason))

    def link_down(self, reason: str) -> None:
        self.calls.append(("down", reason))

    def reconnect_scheduled(self, delay: float) -> None:
        self.calls.append(("reconnect", delay))

    def of(self, kind: str) -> list[tuple]:
        return [call for call in self.calls if call[0] == kind]


class Harness:
    """A client on a memory reactor, with helpers to connect and answer."""

    def __init__(
        self, settings: ClientSettings = SETTINGS, fraction: float = 0.0, **kwargs
    ) -> None:
        self.reactor = MemoryReactorClock()
        self.sink = RecordingSink()
        self.client = PollClient(
            settings,
            self.sink,
            self.reactor,
            lambda: FIELD_NOW,
            random_fraction=lambda: fraction,
            **kwargs,
        )
        self._transport: StringTransport | None = None
        self._protocol: MaraClientProtocol | None = None

    @property
    def transport(self) -> StringTransport:
        """The connection's transport; the harness must have connected."""
        assert self._transport is not None, "not connected"
        return self._transport

    @property
    def protocol(self) -> MaraClientProtocol:
        """The connection's protocol; the harness must have connected."""
        assert self._protocol is not None, "not connected"
        return self._protocol

    def start(self) -> None:
        self.client.start()
        self.connect()

    def connect(self) -> None:
        host, port, factory, timeout, _ = self.reactor.tcpClients[-1]
        assert (host, port, timeout) == (SETTINGS.host, SETTINGS.port, SETTINGS.connect_timeout)
        self.factory = factory
        protocol = factory.buildProtocol(None)
        assert isinstance(protocol, MaraClientProtocol)
        self._protocol, self._transport = protocol, StringTransport()
        protocol.makeConnection(self._transport)

    def sent(self) -> list:
        """Frames written since the last call, decoded."""
        frames = StreamReader().feed(self.transport.value())
        self.transport.clear()
        return frames

    def sent_polls(self) -> list[int]:
        return [frame.seq for frame in self.sent() if frame.cmd == Command.POLL]

    def answer(self, seq: int, reply: PollReply = REPLY, src: int = 1) -> None:
        self.feed(encode_poll_reply(0x40, src, seq, reply))

    def feed(self, data: bytes) -> None:
        self.protocol.dataReceived(data)

    def drop(self) -> None:
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self._protocol = None

    def advance(self, seconds: float) -> None:
        self.reactor.advance(seconds)


def test_seq_cycles_through_the_original_range() -> None:
    assert next_seq(SEQ_FIRST) == SEQ_FIRST + 1
    assert next_seq(SEQ_LAST) == SEQ_FIRST
    assert next_seq(0x05) == SEQ_FIRST


def test_connect_sends_a_time_set_then_the_first_poll() -> None:
    h = Harness()
    h.start()
    time_set, poll = h.sent()
    assert time_set.cmd == Command.TIME_SET and time_set.dst == 0xFF and time_set.src == 0x40
    assert time_set.payload == TimeSet(time=FIELD_NOW, dow=2)
    assert (poll.cmd, poll.dst, poll.src, poll.seq) == (Command.POLL, 1, 0x40, SEQ_FIRST)
    assert time_set.seq == poll.seq
    assert h.sink.of("poll") == [("poll", SEQ_FIRST, 1, 0.0)]


def test_polls_keep_a_fixed_rate_when_a_reply_is_slow() -> None:
    h = Harness(replace(SETTINGS, reply_timeout=1.5))
    h.start()
    h.sent()
    h.advance(0.2)
    h.answer(SEQ_FIRST)
    ((seq, reply, latency),) = h.sink.replies
    assert (seq, reply) == (SEQ_FIRST, REPLY)
    assert latency == pytest.approx(0.2)
    h.advance(0.8)  # t = 1.0
    assert h.sent_polls() == [SEQ_FIRST + 1]
    h.advance(1.2)  # t = 2.2: the reply took 1.2 s, so the tick at 2.0 was skipped
    h.answer(SEQ_FIRST + 1)
    assert h.sent_polls() == []
    h.advance(0.8)  # t = 3.0: back on the grid, not at 2.2 + 1
    assert h.sent_polls() == [SEQ_FIRST + 2]
    assert [call[3] for call in h.sink.of("poll")] == [0.0, 0.0, 0.0]


def test_first_poll_at_once_then_on_the_clients_own_phase() -> None:
    h = Harness(fraction=0.25)  # phase: a quarter of the 1 s interval
    h.reactor.advance(10.5)
    h.start()
    assert h.sent_polls() == [SEQ_FIRST]
    h.answer(SEQ_FIRST)
    h.advance(0.5)
    assert h.sent_polls() == []
    h.advance(0.25)  # t = 11.25
    assert h.sent_polls() == [SEQ_FIRST + 1]
    h.answer(SEQ_FIRST + 1)
    h.advance(1.0)  # t = 12.25
    assert h.sent_polls() == [SEQ_FIRST + 2]


def test_timeout_retries_with_the_same_seq_at_the_exact_time() -> None:
    h = Harness()
    h.start()
    h.sent()
    h.advance(0.249)
    assert h.sent_polls() == []
    h.advance(0.001)
    assert h.sent_polls() == [SEQ_FIRST]
    assert h.sink.of("failed") == [("failed", SEQ_FIRST, 1, FailedTry.TIMEOUT)]
    assert h.sink.of("poll")[-1] == ("poll", SEQ_FIRST, 2, None)
    h.answer(SEQ_FIRST)
    h.advance(0.75)
    assert h.sent_polls() == [SEQ_FIRST + 1]


def test_last_try_gives_up_drops_the_link_and_reconnects_with_backoff() -> None:
    h = Harness()
    h.start()
    h.advance(0.25)
    h.advance(0.25)
    assert h.sink.of("down") == []
    h.advance(0.25)
    assert len(h.sink.of("failed")) == 3
    assert h.sink.of("down") == [
        ("down", "no answer after 3 tries (reply timeout: no reply in 0.25 s)")
    ]
    assert h.transport.disconnecting
    h.drop()
    assert h.sink.of("reconnect") == [("reconnect", 4.0)]  # 2 s doubled once, no jitter
    assert len(h.reactor.tcpClients) == 1
    h.advance(3.999)
    assert len(h.reactor.tcpClients) == 1
    h.advance(0.001)
    assert len(h.reactor.tcpClients) == 2


def test_seq_of_an_unstored_answer_is_repeated_after_a_reconnect() -> None:
    h = Harness()
    h.start()
    h.advance(0.75)  # three timeouts
    h.drop()
    h.advance(4.0)
    h.connect()
    assert h.sent_polls() == [SEQ_FIRST]
    h.answer(SEQ_FIRST)
    h.advance(1.0)
    assert h.sent_polls() == [SEQ_FIRST + 1]


def test_backoff_grows_while_connecting_fails_and_resets_after_a_stored_reply() -> None:
    h = Harness()
    h.client.start()
    factory = h.reactor.tcpClients[-1][2]
    factory.clientConnectionFailed(h.reactor.connectors[-1], Failure(ConnectionRefusedError()))
    assert h.sink.of("down")[-1][1].startswith("cannot connect: Connection was refused")
    h.advance(4.0)
    factory = h.reactor.tcpClients[-1][2]
    factory.clientConnectionFailed(h.reactor.connectors[-1], Failure(ConnectionRefusedError()))
    h.advance(8.0)
    assert [call[1] for call in h.sink.of("reconnect")] == [4.0, 8.0]
    h.connect()
    h.answer(SEQ_FIRST)
    h.drop()
    assert h.sink.of("reconnect")[-1] == ("reconnect", 2.0)


def test_lost_connection_uses_up_a_try() -> None:
    h = Harness()
    h.start()
    h.drop()
    assert h.sink.of("failed") == [("failed", SEQ_FIRST, 1, FailedTry.CONNECTION_LOST)]
    assert h.sink.of("down") == []


def test_time_set_goes_out_again_after_its_interval() -> None:
    h = Harness()
    h.start()
    for second in range(60):
        commands = [frame.cmd for frame in h.sent()]
        assert commands == ([Command.TIME_SET] if second == 0 else []) + [Command.POLL]
        h.answer(h.client.seq)
        h.advance(1.0)
    assert [frame.cmd for frame in h.sent()] == [Command.TIME_SET, Command.POLL]


def test_a_bad_frame_uses_up_a_try_and_is_retried_at_once() -> None:
    h = Harness()
    h.start()
    h.sent()
    corrupt = bytearray(encode_poll_reply(0x40, 1, SEQ_FIRST, REPLY))
    corrupt[-1] ^= 0xFF
    h.feed(bytes(corrupt))
    assert h.sink.of("bad") == [("bad", "bad BCC")]
    assert h.sink.of("failed") == [("failed", SEQ_FIRST, 1, FailedTry.BAD_FRAME)]
    assert h.sent_polls() == [SEQ_FIRST]
    assert h.sink.replies == []


def test_noise_before_a_reply_is_not_a_failed_try() -> None:
    h = Harness()
    h.start()
    h.feed(b"\x00\x11garbage" + encode_poll_reply(0x40, 1, SEQ_FIRST, REPLY))
    assert h.sink.of("failed") == [] and h.sink.of("bad") == []
    assert len(h.sink.replies) == 1


def test_a_reply_from_another_address_is_a_bad_frame() -> None:
    h = Harness()
    h.start()
    h.answer(SEQ_FIRST, src=2)
    assert h.sink.of("bad") == [("bad", "reply from 0x02 to 0x40")]
    assert h.sink.replies == []


def test_a_late_reply_after_a_retry_is_taken_once_and_its_repeat_ignored() -> None:
    h = Harness()
    h.start()
    h.advance(0.25)  # timeout: the retry goes out with the same SEQ
    h.sent()
    h.answer(SEQ_FIRST)  # the late answer to the first try
    h.answer(SEQ_FIRST)  # the COMaster's answer to the retry
    assert [seq for seq, _, _ in h.sink.replies] == [SEQ_FIRST]
    h.advance(0.75)
    assert h.sent_polls() == [SEQ_FIRST + 1]
    h.answer(SEQ_FIRST)  # a stale answer to the previous request
    assert len(h.sink.replies) == 1
    h.answer(SEQ_FIRST + 1)
    assert [seq for seq, _, _ in h.sink.replies] == [SEQ_FIRST, SEQ_FIRST + 1]


def test_seq_waits_for_the_store_and_is_kept_when_storing_fails() -> None:
    h = Harness()
    stored: Deferred[None] = Deferred()
    h.sink.store_result = stored
    h.start()
    h.sent()
    h.answer(SEQ_FIRST)
    h.advance(1.0)
    assert h.sent_polls() == []  # still storing: the tick is skipped
    stored.callback(None)
    h.sink.store_result = fail(OSError("disk full"))
    h.advance(1.0)
    assert h.sent_polls() == [SEQ_FIRST + 1]
    h.answer(SEQ_FIRST + 1)
    h.sink.store_result = None
    h.advance(1.0)
    assert h.sent_polls() == [SEQ_FIRST + 1]


def test_first_seq_resumes_where_a_previous_run_stopped() -> None:
    h = Harness(first_seq=0x42)
    h.start()
    assert h.sent_polls() == [0x42]


def test_stop_closes_the_connection_and_polls_no_more() -> None:
    h = Harness()
    h.start()
    closed = h.client.stop()
    assert h.transport.disconnecting and not closed.called
    h.drop()
    assert closed.called
    h.advance(100.0)
    assert len(h.reactor.tcpClients) == 1
    assert h.sink.of("reconnect") == []


def test_resume_seq_repeats_an_unstored_answer_and_moves_on_after_a_stored_one() -> None:
    h = Harness()
    h.start()
    assert h.client.resume_seq == SEQ_FIRST
    h.answer(SEQ_FIRST)
    assert h.client.resume_seq == SEQ_FIRST + 1


def test_a_reply_arriving_while_the_connection_closes_after_stop_is_ignored() -> None:
    h = Harness()
    h.start()
    h.client.stop()
    h.answer(SEQ_FIRST)
    assert h.sink.replies == []


def test_nothing_is_sent_or_counted_between_stop_and_the_close() -> None:
    h = Harness()
    h.start()
    h.sent()
    h.client.stop()
    h.advance(5.0)
    assert h.sent() == []
    h.drop()
    assert h.sink.of("failed") == [] and h.sink.of("down") == []
