"""Decoding single frames: what each field becomes, and every way a frame can be wrong."""

from dataclasses import replace
from datetime import datetime

import pytest

from protocols.mara import (
    AnalogValue,
    BadChecksum,
    BadPayload,
    BadQuantity,
    BadStartOfFrame,
    ComsysEvent,
    DigitalEvent,
    EnergyEvent,
    IdleEvent,
    LogicalPortCommand,
    PollReply,
    PortCommand,
    RawPayload,
    TimeSet,
    Truncated,
    UnexpectedPayload,
    decode_event,
    decode_frame,
    encode_frame,
)


def reply_frame(payload: bytes) -> bytes:
    return encode_frame(0x40, 0x01, 0x21, 0x10, payload)


def test_poll_request_has_no_payload() -> None:
    frame = decode_frame(bytes.fromhex("FE 08 01 40 80 10 80 A7"))
    assert (frame.qty, frame.dst, frame.src, frame.seq, frame.cmd) == (8, 1, 0x40, 0x80, 0x10)
    assert frame.payload is None


def test_empty_reply_is_four_empty_sections() -> None:
    frame = decode_frame(reply_frame(b"\x01\x01\x01\x01"))
    assert frame.payload == PollReply(sv=b"", di=(), ai=(), events=())


def test_reply_sections() -> None:
    payload = bytes.fromhex("07 01 02 03 04 05 06  05 34 12 01 80  07 48 05 00 40 FF FF  01")
    reply = decode_frame(reply_frame(payload)).payload_as(PollReply)
    assert reply.sv == bytes([1, 2, 3, 4, 5, 6])
    assert reply.di == (0x1234, 0x8001)
    # q is read from the word itself (the original software masked first and always got 0)
    assert reply.ai == (AnalogValue(0, 0x548), AnalogValue(1, 0), AnalogValue(3, 0xFFF))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "11 93 0C 01 01 01 08 22 40 00",
            DigitalEvent(1, 1, 1, 1, 3, datetime(2012, 1, 1, 1, 8, 34, 500000)),
        ),
        (  # the fraction is taken modulo 32768
            "03 05 0C 01 01 01 08 22 C0 00",
            DigitalEvent(3, 0, 0, 0, 5, datetime(2012, 1, 1, 1, 8, 34, 500000)),
        ),
        (  # value b0 * 65536 + b2 * 256 + b1
            "65 1A 0E 01 0D 17 3B 01 02 03",
            EnergyEvent(5, 2, 2, 3, datetime(2014, 1, 13, 23, 59), 0x010302),
        ),
        ("A2 18 0E 01 0D 17 3B 00 00 00", IdleEvent(2, 2, 3, datetime(2014, 1, 13, 23, 59))),
        (
            "F4 21 0E 01 0D 17 3B 1E 00 01",
            ComsysEvent(4, 3, 2, 1, datetime(2014, 1, 13, 23, 59, 30, 30)),
        ),
    ],
)
def test_event_layouts(raw: str, expected) -> None:
    data = bytes.fromhex(raw)
    event = decode_event(data)
    assert event == replace(expected, raw=data)


@pytest.mark.parametrize(
    "raw",
    [
        "01 93 0C 0D 01 01 08 22 00 14",  # month 13
        "01 93 0C 02 1E 01 08 22 00 14",  # 30 February
        "01 93 0C 01 01 18 08 22 00 14",  # hour 24
        "41 00 0C 01 01 01 3C 00 00 00",  # minute 60
        "C1 21 0C 01 01 01 08 3C 00 00",  # second 60
        "01 93 00 00 00 00 00 00 00 00",  # all zero
    ],
)
def test_impossible_date_is_kept_without_a_time(raw: str) -> None:
    event = decode_event(bytes.fromhex(raw))
    assert event.time is None
    assert event.raw == bytes.fromhex(raw)


def test_impossible_date_does_not_stop_the_reply() -> None:
    events = bytes.fromhex("01 93 0C 0D 01 01 08 22 00 14 01 93 0C 01 01 01 08 22 00 14")
    reply = decode_frame(reply_frame(b"\x01\x01\x01\x15" + events)).payload_as(PollReply)
    assert [event.time is None for event in reply.events] == [True, False]


def test_time_set_vector() -> None:
    frame = decode_frame(bytes.fromhex("FE 11 FF 40 22 12 0C 0A 10 00 37 0D 50 3D 02 3B 48"))
    assert frame.payload == TimeSet(datetime(2012, 10, 16, 0, 55, 13, 479003), dow=2)


def test_port_command_and_logical_port_command() -> None:
    port = decode_frame(encode_frame(1, 0x40, 5, 0x03, bytes([0x85, 0x0B])))
    assert port.payload == PortCommand(indirect=True, port=5, state=1, bit=3)
    logical = decode_frame(encode_frame(0x40, 1, 6, 0x13, bytes([4, 0xFF, 1])))
    assert logical.payload == LogicalPortCommand(port=4, bit=0xFF, state=1)
    assert logical.payload_as(LogicalPortCommand).failed


def test_unknown_command_keeps_its_payload() -> None:
    frame = decode_frame(encode_frame(1, 0x40, 7, 0x3B, b"\x00\x3c"))
    assert frame.payload == RawPayload(b"\x00\x3c")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("", Truncated),
        ("FE 08 01", Truncated),
        ("FD 08 01 40 80 10 80 A7", BadStartOfFrame),
        ("FE 09 01 40 80 10 80 A7", BadQuantity),
        ("FE 07 01 40 80 10 80 A7", BadQuantity),
        ("FE FE 01 40 80 10 80 A7", BadQuantity),
        ("FE 08 01 40 80 10 80 A7 00", BadQuantity),
        ("FE 08 01 40 80 10 80 A8", BadChecksum),
        ("FE 08 01 40 80 10 A7 80", BadChecksum),
    ],
)
def test_framing_errors(data: str, error: type) -> None:
    with pytest.raises(error):
        decode_frame(bytes.fromhex(data))


@pytest.mark.parametrize(
    "payload",
    [
        "01 01 01",  # event section missing
        "00 01 01 01",  # a count byte of 0
        "01 02 00 01 01",  # DI section of 1 byte
        "01 01 01 03",  # event section of 2 bytes
        "07 01 02 01 01",  # SV runs past the payload
        "01 01 01 01 00",  # a byte after the events
    ],
)
def test_reply_payload_errors(payload: str) -> None:
    with pytest.raises(BadPayload):
        decode_frame(reply_frame(bytes.fromhex(payload)))


@pytest.mark.parametrize(("cmd", "payload"), [(0x12, "0C 0A 10"), (0x03, "01"), (0x13, "01 02")])
def test_fixed_size_payload_errors(cmd: int, payload: str) -> None:
    with pytest.raises(BadPayload):
        decode_frame(encode_frame(0xFF, 0x40, 1, cmd, bytes.fromhex(payload)))


def test_a_reader_names_the_payload_it_expects() -> None:
    time_set = decode_frame(bytes.fromhex("FE 11 FF 40 22 12 0C 0A 10 00 37 0D 50 3D 02 3B 48"))
    assert time_set.payload_as(TimeSet).dow == 2
    with pytest.raises(UnexpectedPayload, match="command 0x12 carries TimeSet, not PollReply"):
        time_set.payload_as(PollReply)
    poll = decode_frame(bytes.fromhex("FE 08 01 40 80 10 80 A7"))
    with pytest.raises(UnexpectedPayload, match="command 0x10 carries no payload, not PollReply"):
        poll.payload_as(PollReply)


def test_events_of_one_kind_keep_their_order() -> None:
    when = datetime(2014, 1, 13, 23, 59)
    opened, closed = DigitalEvent(1, 0, 0, 1, 3, when), DigitalEvent(1, 0, 1, 1, 3, when)
    energy = EnergyEvent(5, 0, 2, 0, when, 800)
    reply = PollReply(sv=b"", di=(), ai=(), events=(opened, energy, closed))
    assert reply.events_of(DigitalEvent) == (opened, closed)
    assert reply.events_of(EnergyEvent) == (energy,)
    assert reply.events_of(ComsysEvent) == ()
