"""Mara commands (0x03 port bit, 0x13 logical port) through the poll client: the frames
against the protocol page, the echo, the error echo, a lost connection, and commands
interleaved with polls against the simulated COMaster's hand-outs."""

from __future__ import annotations

from collections import Counter

import pytest
from twisted.internet.defer import fail

from protocols.link.errors import RequestFailed
from protocols.mara import (
    Command,
    Frame,
    PollReply,
    StreamReader,
    decode_frame,
    encode_logical_port_command,
    encode_port_command,
)
from protocols.mara.client import next_seq
from protocols.mara.commands import CommandEcho, FieldCommand

from .sim_support import make_harness
from .test_client import Harness, RecordingSink


def _started() -> Harness:
    harness = Harness()
    harness.start()
    harness.sent()  # time set and first poll
    return harness


def test_port_bit_frame_follows_the_protocol_page() -> None:
    frame = FieldCommand(port=5, bit=3, state=1).frame(1, 0x40, 7)
    # SOF, then the header, then byte 1 = indirect flag (bit 7) + port, byte 2 = state in
    # bit 3 and the bit number in bits 2-0.
    decoded = decode_frame(frame)
    assert (decoded.dst, decoded.src, decoded.seq, decoded.cmd) == (1, 0x40, 7, 0x03)
    assert frame[-4:-2] == bytes([0x05, 0x08 | 0x03])  # then BCC and end
    reset = FieldCommand(port=5, bit=3, state=0).frame(1, 0x40, 7)
    assert reset[-4:-2] == bytes([0x05, 0x03])


def test_command_goes_before_the_next_poll_and_its_echo_fires() -> None:
    harness = _started()
    poll_seq = harness.sink.of("poll")[-1][1]
    harness.answer(poll_seq)
    command = FieldCommand(port=0, bit=0, state=0)
    done = harness.client.send_command(command)
    (frame,) = harness.sent()
    assert frame.cmd == Command.PORT and frame.seq != poll_seq
    assert frame.seq != next_seq(poll_seq), "a poller resuming after poll_seq sends that one"
    results: list[CommandEcho] = []
    done.addCallback(results.append)
    harness.feed(encode_port_command(0x40, 1, frame.seq, port=0, bit=0, state=0))
    assert results == [CommandEcho(True)]
    harness.advance(1.0)
    assert harness.sent_polls() == [(frame.seq + 1) % 256 or 1]


def test_logical_port_error_echo_reports_failure() -> None:
    harness = _started()
    harness.answer(harness.sink.of("poll")[-1][1])
    done = harness.client.send_command(FieldCommand(port=2, bit=1, state=1, logical=True))
    (frame,) = harness.sent()
    assert frame.cmd == Command.LOGICAL_PORT
    results: list[CommandEcho] = []
    done.addCallback(results.append)
    harness.feed(encode_logical_port_command(0x40, 1, frame.seq, port=2, bit=0xFF, state=1))
    assert len(results) == 1 and not results[0].ok and "error echo" in results[0].detail


def test_an_echo_that_differs_is_not_taken() -> None:
    harness = _started()
    harness.answer(harness.sink.of("poll")[-1][1])
    done = harness.client.send_command(FieldCommand(port=0, bit=0, state=0))
    (frame,) = harness.sent()
    results: list[object] = []
    done.addBoth(results.append)
    harness.feed(encode_port_command(0x40, 1, frame.seq, port=0, bit=1, state=0))
    assert results == [] and harness.sink.of("bad")


def test_lost_connection_fails_the_command() -> None:
    harness = _started()
    harness.answer(harness.sink.of("poll")[-1][1])
    done = harness.client.send_command(FieldCommand(port=0, bit=0, state=1))
    failures: list[object] = []
    done.addErrback(failures.append)
    harness.drop()
    assert len(failures) == 1
    with pytest.raises(RequestFailed):
        failures[0].raiseException()  # type: ignore[attr-defined]


def test_a_command_waits_until_the_last_polls_answer_is_stored() -> None:
    harness = _started()
    poll_seq = harness.sink.of("poll")[-1][1]
    harness.sink.store_result = fail(OSError("disk full"))
    harness.answer(poll_seq)
    done = harness.client.send_command(FieldCommand(port=0, bit=0, state=1))
    assert harness.sent() == [], "a new SEQ now would leave the answer unrepeatable"
    harness.sink.store_result = None
    harness.advance(1.0)
    assert harness.sent_polls() == [poll_seq]
    harness.answer(poll_seq)
    (frame,) = harness.sent()
    assert frame.cmd == Command.PORT and frame.seq == next_seq(next_seq(poll_seq))
    results: list[CommandEcho] = []
    done.addCallback(results.append)
    harness.feed(encode_port_command(0x40, 1, frame.seq, port=0, bit=0, state=1))
    assert results == [CommandEcho(True)]


def test_a_waiting_command_fails_with_the_link() -> None:
    harness = _started()
    harness.sink.store_result = fail(OSError("disk full"))
    harness.answer(harness.sink.of("poll")[-1][1])
    done = harness.client.send_command(FieldCommand(port=0, bit=0, state=1))
    failures: list[object] = []
    done.addErrback(failures.append)
    harness.drop()
    assert len(failures) == 1


class FlakyStore(RecordingSink):
    """Fails to store every third reply; keeps the events of those it stored."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: list[bytes] = []
        self.failed = 0

    def reply_received(self, seq: int, reply: PollReply, latency: float):
        super().reply_received(seq, reply, latency)
        if len(self.replies) % 3 == 0:
            self.failed += 1
            return fail(OSError("the journal's disk is full"))
        self.stored.extend(event.raw for event in reply.events)
        return None


def test_no_event_is_lost_when_commands_are_interleaved_with_polls() -> None:
    """A command after every poll, storing failing now and then, against the simulated
    COMaster: every event it handed out is stored exactly once."""
    field = make_harness()
    client = Harness()
    client.sink = client.client.sink = FlakyStore()
    client.start()
    echoes: list[object] = []

    def relay() -> None:
        while data := client.transport.value():
            client.transport.clear()
            for frame in StreamReader().feed(data):
                assert isinstance(frame, Frame), "the client writes whole frames"
                answer = field.device.handle(frame)
                if answer is not None:
                    client.feed(answer)

    relay()
    for round_number in range(30):
        field.device.set_di("E4BRK05", round_number % 2)
        field.clock.advance(1.0)
        client.advance(1.0)  # the next poll goes out
        command = FieldCommand(port=0, bit=round_number % 2, state=round_number % 2)
        client.client.send_command(command).addBoth(echoes.append)
        relay()
    client.sink.store_result = None
    for _ in range(5):  # no more changes: every event still buffered is fetched
        field.clock.advance(1.0)
        client.advance(1.0)
        relay()

    handed_out = Counter(event.raw for event in field.handed_out)
    assert len(handed_out) >= 30
    assert Counter(client.sink.stored) == handed_out
    assert client.sink.failed >= 10
    assert all(isinstance(echo, CommandEcho) and echo.ok for echo in echoes)
    assert len(echoes) == 30
