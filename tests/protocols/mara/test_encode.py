"""Encoders, checked against the protocol page (they run without the shared data)."""

from datetime import datetime

import pytest

from protocols.mara import (
    AnalogValue,
    DigitalEvent,
    EncodeError,
    EnergyEvent,
    LogicalPortCommand,
    PollReply,
    PortCommand,
    TimeSet,
    decode_event,
    decode_frame,
    encode_event,
    encode_logical_port_command,
    encode_poll,
    encode_poll_reply,
    encode_port_command,
    encode_time_set,
)
from protocols.mara.timestamps import microseconds_to_ticks, ticks_to_microseconds


@pytest.mark.parametrize(
    ("dst", "seq", "expected"),
    [
        (0x01, 0x80, "FE 08 01 40 80 10 80 A7"),
        (0x01, 0x20, "FE 08 01 40 20 10 E0 A7"),
        (0x01, 0x7F, "FE 08 01 40 7F 10 81 A7"),
    ],
)
def test_poll_request_matches_the_bcc_table(dst: int, seq: int, expected: str) -> None:
    assert encode_poll(dst, 0x40, seq) == bytes.fromhex(expected)


def test_time_set_sends_monday_as_1_and_the_real_fraction() -> None:
    when = datetime(2012, 10, 16, 0, 55, 13, 479003)  # a Tuesday
    data = encode_time_set(0xFF, 0x40, 0x22, when)
    # The vector of the protocol page, but with day 2 meaning Tuesday (1 = Monday).
    assert data[:15] == bytes.fromhex("FE 11 FF 40 22 12 0C 0A 10 00 37 0D 50 3D 02")
    assert decode_frame(data).payload == TimeSet(when, dow=2)
    sunday = decode_frame(encode_time_set(0xFF, 0x40, 1, datetime(2024, 6, 9, 12, 0)))
    assert sunday.payload_as(TimeSet).dow == 7


def test_every_tick_round_trips() -> None:
    for ticks in range(32768):
        assert microseconds_to_ticks(ticks_to_microseconds(ticks)) == ticks
    assert microseconds_to_ticks(999_999) == 32767


def test_port_commands_round_trip() -> None:
    command = decode_frame(encode_port_command(1, 0x40, 9, port=5, bit=3, state=1, indirect=True))
    assert (command.cmd, command.payload) == (0x03, PortCommand(True, 5, 1, 3))
    echo = decode_frame(encode_logical_port_command(0x40, 1, 9, port=2, bit=0xFF, state=0))
    assert (echo.cmd, echo.payload) == (0x13, LogicalPortCommand(2, 0xFF, 0))


def test_reply_and_events_round_trip() -> None:
    events = (
        DigitalEvent(1, 0, 1, 6, 3, datetime(2012, 1, 1, 1, 8, 34, ticks_to_microseconds(20))),
        EnergyEvent(7, 0, 1, 3, datetime(2014, 1, 13, 23, 59), 0xABCDEF),
    )
    reply = PollReply(sv=bytes(12), di=(0x0043, 0xF640), ai=(AnalogValue(1, 0),), events=events)
    frame = decode_frame(encode_poll_reply(0x40, 1, 0x4D, reply))
    expected = tuple(decode_event(encode_event(event)) for event in events)
    assert frame.payload == PollReply(reply.sv, reply.di, reply.ai, expected)
    assert [event.raw for event in expected] == [
        bytes.fromhex("01 E3 0C 01 01 01 08 22 00 14"),
        bytes.fromhex("47 19 0E 01 0D 17 3B AB EF CD"),
    ]


@pytest.mark.parametrize(
    "encode",
    [
        lambda: encode_poll(256, 0x40, 1),
        lambda: encode_port_command(1, 0x40, 1, port=128, bit=0, state=1),
        lambda: encode_port_command(1, 0x40, 1, port=1, bit=8, state=1),
        lambda: encode_time_set(0xFF, 0x40, 1, datetime(1999, 12, 31)),
        lambda: encode_event(EnergyEvent(1, 0, 0, 0, datetime(2020, 1, 1), 1 << 24)),
        lambda: encode_event(DigitalEvent(1, 0, 1, 0, 0, None)),
        lambda: encode_poll_reply(0x40, 1, 1, PollReply(bytes(250), (), (), ())),
    ],
)
def test_values_that_cannot_be_sent(encode) -> None:
    with pytest.raises(EncodeError):
        encode()
