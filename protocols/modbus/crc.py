"""CRC-16/MODBUS (polynomial 0xA001 reflected, initial value 0xFFFF), sent low byte first."""

from collections.abc import Iterable


def _table() -> tuple[int, ...]:
    entries = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        entries.append(crc)
    return tuple(entries)


_TABLE = _table()


CRC_INITIAL = 0xFFFF


def crc16(data: Iterable[int], crc: int = CRC_INITIAL) -> int:
    """The CRC-16/MODBUS of ``data``, or of what came before it when given that CRC as
    ``crc``. Over a frame followed by its own CRC bytes it is 0."""
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def crc_bytes(data: bytes | bytearray | memoryview) -> bytes:
    """The two CRC bytes to append to ``data``, low byte first."""
    return crc16(data).to_bytes(2, "little")
