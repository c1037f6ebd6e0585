"""The BCC, against the table of the protocol page."""

import pytest

from protocols.mara.checksum import bcc

BCC_TABLE = [
    ("FE 08 01 40 80 10", 0x80A7),
    ("FE 08 FF 01 80 0C", 0x82EA),
    ("FE 08 02 01 21 10", 0xDEE6),
    ("FE 08 01 40 20 10", 0xE0A7),
    ("FE 08 01 40 7F 10", 0x81A7),
]


@pytest.mark.parametrize(("frame", "expected"), BCC_TABLE)
def test_bcc_table_of_the_protocol_page(frame: str, expected: int) -> None:
    assert bcc(bytes.fromhex(frame)) == expected


def test_odd_length_is_padded_with_a_zero_low_byte() -> None:
    assert bcc(b"\x12\x34\x56") == bcc(b"\x12\x34\x56\x00") == 0xFFFF - 0x6834


def test_sum_wraps_without_end_around_carry() -> None:
    # 0xFFFF + 0x0002 = 0x10001 -> 0x0001 (an end-around carry would give 0x0002)
    assert bcc(b"\xff\xff\x00\x02") == 0xFFFE
