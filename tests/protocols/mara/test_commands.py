"""Mara commands (0x03 port bit, 0x13 logical port) through the poll client: the frames
against the protocol page, the echo, the error echo, and a lost connection."""

from __future__ import annotations

import pytest

from protocols.link.errors import RequestFailed
from protocols.mara import Command, decode_frame, encode_logical_port_command, encode_port_command
from protocols.mara.commands import CommandEcho, FieldCommand

from .test_client import Harness


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
