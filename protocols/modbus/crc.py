"""CRC-16/MODBUS (polynomial 0xA001 reflected, initial value 0xFFFF), sent low byte first."""


def _table() -> tuple[int, ...]:
    entries = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        entries.append(crc)
    return tuple(entries)


_TABLE = _table()


def crc16(data: bytes | bytearray | memoryview) -> int:
    """The CRC-16/MODBUS of ``data``."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def crc_bytes(data: bytes | bytearray | memoryview) -> bytes:
    """The two CRC bytes to append to ``data``, low byte first."""
    return crc16(data).to_bytes(2, "little")
