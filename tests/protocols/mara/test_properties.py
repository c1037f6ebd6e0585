"""Properties over random input: round trips, robustness, and the fast reply parser
against the Construct declaration it must agree with."""

import contextlib

from construct import ConstructError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from protocols.mara import (
    AnalogValue,
    ComsysEvent,
    DigitalEvent,
    EnergyEvent,
    EventType,
    Frame,
    IdleEvent,
    MaraError,
    PollReply,
    StreamReader,
    decode_event,
    decode_frame,
    encode_event,
    encode_frame,
    encode_poll_reply,
)
from protocols.mara.constants import MAX_QTY, MIN_QTY, SOF
from protocols.mara.decode import has_valid_bcc
from protocols.mara.errors import BadPayload
from protocols.mara.frames import POLL_REPLY
from protocols.mara.reply_parser import parse_poll_reply
from protocols.mara.timestamps import field_time

from .strategies import bytes_, events, frames, poll_replies, with_raw

property_settings = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@property_settings
@given(events)
def test_event_round_trip(event) -> None:
    raw = encode_event(event)
    assert len(raw) == 10
    assert decode_event(raw) == with_raw(event)


@property_settings
@given(poll_replies(), bytes_, bytes_)
def test_reply_round_trip(reply: PollReply, address: int, seq: int) -> None:
    frame = decode_frame(encode_poll_reply(0x40, address, seq, reply))
    assert (frame.dst, frame.src, frame.seq, frame.cmd) == (0x40, address, seq, 0x10)
    assert frame.payload == PollReply(
        reply.sv, reply.di, reply.ai, tuple(map(with_raw, reply.events))
    )


@property_settings
@given(st.binary(max_size=300))
def test_any_bytes_raise_only_mara_errors(data: bytes) -> None:
    with contextlib.suppress(MaraError):
        assert isinstance(decode_frame(data), Frame)


@property_settings
@given(st.sampled_from([0x03, 0x10, 0x12, 0x13, 0x3B]), st.binary(max_size=245))
def test_any_payload_in_a_sound_frame_raises_only_mara_errors(cmd: int, payload: bytes) -> None:
    with contextlib.suppress(MaraError):
        decode_frame(encode_frame(0x40, 1, 1, cmd, payload))


@st.composite
def section_soup(draw: st.DrawFn) -> bytes:
    """Payloads of four counted sections, now and then with a wrong count byte or a
    stray byte at the end."""
    parts = []
    for item_size in (1, 2, 2, 10):
        items = draw(st.integers(0, 6))
        count = 1 + items * item_size
        if draw(st.integers(0, 9)) == 0:
            count = draw(st.sampled_from([0, 2, count + 1, 255]))
        content = draw(st.binary(min_size=items * item_size, max_size=items * item_size))
        parts.append(bytes([count]) + content)
    stray = b"\x00" if draw(st.integers(0, 9)) == 0 else b""
    return b"".join(parts) + stray


def reference_parse(payload: bytes) -> PollReply:
    """The reply as the Construct declaration reads it."""
    parsed = POLL_REPLY.parse(payload)
    first_event = len(payload) - 10 * len(parsed.events.entries)
    return PollReply(
        sv=bytes(parsed.sv.entries),
        di=tuple(parsed.di.entries),
        ai=tuple(AnalogValue(word.q, word.raw) for word in parsed.ai.entries),
        events=tuple(
            _reference_event(event, payload[first_event + 10 * i : first_event + 10 * (i + 1)])
            for i, event in enumerate(parsed.events.entries)
        ),
    )


def _reference_event(event, raw: bytes):
    tcd, body = event.tcd, event.body
    stamp = body.stamp
    day = (stamp.yy, stamp.month, stamp.day, stamp.hour, stamp.minute)
    if tcd.type == EventType.ENERGY:
        time = field_time(*day)
        return EnergyEvent(tcd.ied, tcd.q, body.info.channel, body.info.code, time, body.value, raw)
    time = field_time(*day, stamp.second, stamp.fraction)
    if tcd.type == EventType.DIGITAL:
        point = body.point
        return DigitalEvent(tcd.ied, tcd.q, point.status, point.port, point.bit, time, raw)
    if tcd.type == EventType.IDLE:
        return IdleEvent(tcd.ied, tcd.q, body.info.code, time, raw)
    return ComsysEvent(tcd.ied, tcd.q, body.info.code, body.info.reason, time, raw)


@property_settings
@given(st.one_of(section_soup(), st.binary(max_size=80)))
def test_fast_parser_agrees_with_the_construct_declaration(payload: bytes) -> None:
    try:
        expected = reference_parse(payload)
    except ConstructError:
        expected = None
    try:
        actual = parse_poll_reply(payload)
    except BadPayload:
        actual = None
    assert actual == expected


def accidental_frame(stream: bytes, starts: set[int]) -> bool:
    """Whether a complete frame with a valid BCC starts anywhere but at a real start."""
    position = stream.find(SOF)
    while position >= 0:
        if position not in starts and position + 1 < len(stream):
            qty = stream[position + 1]
            end = position + qty
            if (
                MIN_QTY <= qty <= MAX_QTY
                and end <= len(stream)
                and has_valid_bcc(stream[position:end])
            ):
                return True
        position = stream.find(SOF, position + 1)
    return False


@property_settings
@given(
    st.lists(frames, min_size=1, max_size=6),
    st.lists(st.binary(max_size=24), min_size=7, max_size=7),
    st.lists(st.integers(0, 2000), max_size=20),
)
def test_stream_reader_yields_every_frame_in_order(
    sent: list[bytes], garbage: list[bytes], cuts: list[int]
) -> None:
    stream = b""
    starts = set()
    for frame, junk in zip(sent, garbage, strict=False):
        stream += junk
        starts.add(len(stream))
        stream += frame
    stream += garbage[-1]
    assume(not accidental_frame(stream, starts))

    reader = StreamReader()
    received = []
    bounds = sorted({0, len(stream), *(cut % (len(stream) + 1) for cut in cuts)})
    for start, end in zip(bounds, bounds[1:], strict=False):
        received.extend(reader.feed(stream[start:end]))
    assert [item for item in received if isinstance(item, Frame)] == list(map(decode_frame, sent))


@property_settings
@given(st.lists(st.binary(max_size=64), max_size=10))
def test_stream_reader_takes_any_bytes(chunks: list[bytes]) -> None:
    reader = StreamReader()
    for chunk in chunks:
        reader.feed(chunk)
    assert reader.buffered <= sum(map(len, chunks))
