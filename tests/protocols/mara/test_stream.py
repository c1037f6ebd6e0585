"""The stream reader on the situations a TCP stream produces."""

from protocols.mara import Dropped, Frame, StreamReader, encode_poll

POLL_A = encode_poll(1, 0x40, 0x21)
POLL_B = encode_poll(1, 0x40, 0x22)


def frames(items: list) -> list[int]:
    return [item.seq for item in items if isinstance(item, Frame)]


def dropped(items: list) -> list[Dropped]:
    return [item for item in items if isinstance(item, Dropped)]


def test_one_byte_at_a_time() -> None:
    reader = StreamReader()
    items = [item for byte in POLL_A + POLL_B for item in reader.feed(bytes([byte]))]
    assert frames(items) == [0x21, 0x22]
    assert reader.buffered == 0


def test_several_frames_in_one_read() -> None:
    assert frames(StreamReader().feed(POLL_A + POLL_B + POLL_A)) == [0x21, 0x22, 0x21]


def test_garbage_before_and_between_frames_is_reported() -> None:
    items = StreamReader().feed(b"junk" + POLL_A + b"\x00\x01" + POLL_B)
    assert frames(items) == [0x21, 0x22]
    assert [item.data for item in dropped(items)] == [b"junk", b"\x00\x01"]


def test_bad_bcc_drops_to_the_next_sof() -> None:
    corrupted = POLL_A[:-1] + b"\x00"
    items = StreamReader().feed(corrupted + POLL_B)
    assert frames(items) == [0x22]
    assert dropped(items) == [Dropped(corrupted, "bad BCC")]


def test_bad_qty_drops_to_the_next_sof() -> None:
    items = StreamReader().feed(b"\xfe\x03\x01" + POLL_B)
    assert frames(items) == [0x22]
    assert dropped(items)[0].reason.startswith("bad QTY")


def test_qty_too_large_for_the_frame_does_not_swallow_the_next_one() -> None:
    wrong_qty = bytes.fromhex("FE 09 01 40 80 10 80 A7")
    items = StreamReader().feed(wrong_qty + POLL_B)
    assert frames(items) == [0x22]


def test_stray_sof_with_a_long_qty_does_not_hold_back_a_complete_frame() -> None:
    reader = StreamReader()
    items = reader.feed(b"\xfe\xf0" + POLL_A)
    assert frames(items) == [0x21]
    assert dropped(items) == [Dropped(b"\xfe\xf0", "incomplete frame before a valid one")]
    assert reader.buffered == 0


def test_incomplete_frame_waits_for_the_rest() -> None:
    reader = StreamReader()
    assert reader.feed(POLL_A[:5]) == []
    assert reader.buffered == 5
    assert frames(reader.feed(POLL_A[5:])) == [0x21]


def test_clear_discards_a_partial_frame() -> None:
    reader = StreamReader()
    reader.feed(POLL_A[:5])
    assert reader.clear() == Dropped(POLL_A[:5], "incomplete frame discarded")
    assert reader.clear() is None
    assert frames(reader.feed(POLL_B)) == [0x22]


def test_frame_with_valid_bcc_but_bad_payload_is_dropped_whole() -> None:
    from protocols.mara import encode_frame

    bad_reply = encode_frame(0x40, 1, 0x23, 0x10, b"\x01\x01\x01")
    items = StreamReader().feed(bad_reply + POLL_B)
    assert frames(items) == [0x22]
    assert dropped(items)[0].data == bad_reply
