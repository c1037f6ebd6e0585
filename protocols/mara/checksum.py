"""The Mara block check (BCC).

Not a CRC: the bytes from SOF to the end of the payload are read as big-endian 16-bit
words (an odd count is padded with a zero low byte), summed modulo 65536 without
end-around carry, and the BCC is 0xFFFF minus that sum, sent high byte first.
"""


def bcc(data: bytes | bytearray | memoryview) -> int:
    """Return the BCC of ``data`` (the frame without its two BCC bytes)."""
    # Bytes at even offsets are high bytes, at odd offsets low bytes; summing each
    # half in C is much faster than unpacking words.
    total = (sum(data[0::2]) << 8) + sum(data[1::2])
    return 0xFFFF - (total & 0xFFFF)
