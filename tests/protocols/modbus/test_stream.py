"""Stream readers: frames split and merged at random, garbage, CRC mismatches."""

from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.modbus import (
    Adu,
    Direction,
    Dropped,
    RtuStreamReader,
    TcpStreamReader,
    encode_pdu,
    encode_rtu,
    encode_tcp,
)

from .strategies import requests, responses, transactions, units

UNIT = 7


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    bounds = [0, *points, len(data)]
    return [data[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]


def feed_all(reader, chunks: list[bytes]) -> list[Adu | Dropped]:
    items: list[Adu | Dropped] = []
    for chunk in chunks:
        items.extend(reader.feed(chunk))
    return items


def adus(items) -> list[Adu]:
    return [item for item in items if isinstance(item, Adu)]


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.tuples(transactions, units, st.one_of(requests, responses)), max_size=6),
    st.lists(st.integers(0, 10_000), max_size=12),
)
def test_tcp_frames_survive_any_chunking(messages, cuts):
    stream = b"".join(encode_tcp(t, u, encode_pdu(m)) for t, u, m in messages)
    items = feed_all(TcpStreamReader(), chunked(stream, cuts))
    assert items == [Adu(u, encode_pdu(m), t) for t, u, m in messages]


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.tuples(st.binary(max_size=12).map(lambda b: b.replace(b"\0", b"\xff")), responses),
        max_size=5,
    ),
    st.lists(st.integers(0, 10_000), max_size=12),
)
def test_tcp_reader_skips_bytes_that_cannot_start_a_header(messages, cuts):
    """Bytes with no zero in them can never be a protocol id of 0: each run is skipped and
    reported, and every frame after it is found."""
    stream = b"".join(junk + encode_tcp(1, UNIT, encode_pdu(m)) for junk, m in messages)
    items = feed_all(TcpStreamReader(), chunked(stream, cuts))
    assert [adu.pdu for adu in adus(items)] == [encode_pdu(m) for _, m in messages]
    assert b"".join(d.data for d in items if isinstance(d, Dropped)) == b"".join(
        junk for junk, _ in messages
    )


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.tuples(st.binary(max_size=12), responses), max_size=5),
    st.lists(st.integers(0, 10_000), max_size=12),
)
def test_rtu_responses_after_garbage_and_any_chunking(messages, cuts):
    """A client reader knows its unit: garbage without that byte is skipped at once and
    every reply is found, however the stream is cut."""
    clean = [(junk.replace(bytes([UNIT]), b""), message) for junk, message in messages]
    stream = b"".join(junk + encode_rtu(UNIT, encode_pdu(m)) for junk, m in clean)
    items = feed_all(RtuStreamReader(Direction.RESPONSE, {UNIT}), chunked(stream, cuts))
    assert adus(items) == [Adu(UNIT, encode_pdu(m)) for _, m in clean]


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.tuples(units, requests), max_size=5),
    st.lists(st.integers(0, 10_000), max_size=12),
)
def test_rtu_requests_survive_any_chunking(messages, cuts):
    stream = b"".join(encode_rtu(u, encode_pdu(m)) for u, m in messages)
    items = feed_all(RtuStreamReader(Direction.REQUEST), chunked(stream, cuts))
    assert items == [Adu(u, encode_pdu(m)) for u, m in messages]


@given(st.binary(max_size=600), st.lists(st.integers(0, 10_000), max_size=12))
def test_readers_never_fail_on_noise_and_hold_back_little(noise, cuts):
    for reader in (
        TcpStreamReader(),
        RtuStreamReader(Direction.REQUEST),
        RtuStreamReader(Direction.RESPONSE),
    ):
        items = feed_all(reader, chunked(noise, cuts))
        consumed = sum(len(item.data) if isinstance(item, Dropped) else 0 for item in items)
        assert consumed <= len(noise)
        assert reader.buffered <= 260


def test_rtu_resynchronises_after_a_crc_mismatch():
    good = bytes.fromhex("05 04 04 42 A1 3E 77 AB 98")
    bad = good[:-1] + b"\x00"
    items = RtuStreamReader(Direction.RESPONSE).feed(bad + good)
    assert items[-1] == Adu(5, good[1:-2])
    assert b"".join(item.data for item in items[:-1]) == bad
    assert items[0].reason == "bad CRC"


def test_rtu_garbage_that_looks_like_a_long_frame_does_not_hold_a_reply_back():
    """``05 03 F0`` announces 240 data bytes; the real reply after it must not wait."""
    good = bytes.fromhex("05 03 04 40 40 00 00 AB E7")
    items = RtuStreamReader(Direction.RESPONSE, {5}).feed(bytes.fromhex("05 03 F0") + good)
    assert items == [
        Dropped(bytes.fromhex("05 03 F0"), "incomplete frame before a valid one"),
        Adu(5, good[1:-2]),
    ]


def test_rtu_request_of_an_unknown_function_is_delimited_by_its_crc():
    frame = encode_rtu(5, bytes.fromhex("2B 0E 01 00"))
    reader = RtuStreamReader(Direction.REQUEST)
    assert reader.feed(frame[:5]) == []
    assert reader.feed(frame[5:]) == [Adu(5, bytes.fromhex("2B 0E 01 00"))]


def test_clear_discards_a_partial_frame():
    reader = RtuStreamReader(Direction.RESPONSE)
    assert reader.feed(bytes.fromhex("05 04 04 42")) == []
    assert reader.clear() == Dropped(bytes.fromhex("05 04 04 42"), "incomplete frame discarded")
    assert reader.clear() is None
    tcp = TcpStreamReader()
    tcp.feed(bytes.fromhex("0001 0000 0006 01 03"))
    assert tcp.buffered == 8 and tcp.clear() is not None and tcp.buffered == 0
