"""Turning a TCP byte stream into ADUs, for Modbus TCP and for RTU carried over TCP.

Both readers take chunks as they arrive (a frame may be split across chunks, several frames
may come in one) and return, in stream order, the :class:`~.framing.Adu` items they
complete and the :class:`Dropped` runs of bytes they had to skip.

Modbus TCP has a length in its header: a header whose protocol id is not 0 or whose length
is impossible is skipped one byte at a time until a sound header comes.

RTU has no length and no start marker. The reader derives the length from the function
code and byte count, checks the CRC and, on a mismatch, moves on by one byte
(resynchronisation). A reader told its units skips any frame start with another unit id,
which makes resynchronisation after garbage quick and sure. While the frame at the head is
still incomplete, a complete frame with a valid CRC further on wins, so that a garbage byte
that looks like the start of a long frame cannot hold a real reply back. A request with a
function code we do not speak is delimited by the first CRC that matches, so that a server
can still answer it with exception 1.
"""

from collections.abc import Collection
from dataclasses import dataclass

from .crc import CRC_INITIAL, crc16
from .framing import (
    MAX_RTU_FRAME,
    MBAP,
    MBAP_SIZE,
    MIN_RTU_FRAME,
    Adu,
    Direction,
    Framing,
    UnknownLength,
    rtu_frame_length,
)

_MAX_MBAP_LENGTH = 254
"""Unit id and the largest PDU (253 bytes)."""


@dataclass(frozen=True, slots=True)
class Dropped:
    """Bytes a reader discarded, and why."""

    data: bytes
    reason: str


Item = Adu | Dropped


class _Drops:
    """Collects skipped bytes so that a run of them is reported once, with its first
    reason."""

    def __init__(self, results: list[Item]) -> None:
        self._results = results
        self._start: int | None = None
        self._reason = ""

    def skip(self, position: int, reason: str) -> None:
        if self._start is None:
            self._start, self._reason = position, reason

    def flush(self, buffer: bytearray, position: int) -> None:
        if self._start is not None and position > self._start:
            self._results.append(Dropped(bytes(buffer[self._start : position]), self._reason))
        self._start = None


class TcpStreamReader:
    """Modbus TCP frames from a byte stream."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Item]:
        buffer = self._buffer
        buffer += data
        results: list[Item] = []
        drops = _Drops(results)
        position = 0
        while len(buffer) - position >= MBAP_SIZE:
            transaction, protocol, length, unit = MBAP.unpack_from(buffer, position)
            if protocol != 0 or not 2 <= length <= _MAX_MBAP_LENGTH:
                drops.skip(position, f"bad MBAP header (protocol {protocol}, length {length})")
                position += 1
                continue
            end = position + MBAP_SIZE - 1 + length
            if end > len(buffer):
                break
            drops.flush(buffer, position)
            results.append(Adu(unit, bytes(buffer[position + MBAP_SIZE : end]), transaction))
            position = end
        drops.flush(buffer, position)
        del buffer[:position]
        return results

    def clear(self) -> Dropped | None:
        """Discard a held-back incomplete frame (after a reply timeout)."""
        return _clear(self._buffer)


class RtuStreamReader:
    """RTU frames from a byte stream. ``direction`` says whether the stream carries
    requests (a server reads it) or responses (a client reads it); ``units``, when given,
    are the only unit ids a frame may start with. The reader keeps the collection it is
    given, not a copy: the units behind a shared gateway connection grow as devices join."""

    def __init__(self, direction: Direction, units: Collection[int] | None = None) -> None:
        self._direction = direction
        self._units = units
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Item]:
        buffer = self._buffer
        buffer += data
        results: list[Item] = []
        drops = _Drops(results)
        position = 0
        while position < len(buffer):
            length, problem = self._frame_at(position)
            if problem is not None:
                drops.skip(position, problem)
                position += 1
                continue
            if length is None:
                later = self._complete_frame_after(position)
                if later is None:
                    break
                drops.skip(position, "incomplete frame before a valid one")
                position = later
                continue
            drops.flush(buffer, position)
            end = position + length
            results.append(Adu(buffer[position], bytes(buffer[position + 1 : end - 2])))
            position = end
        drops.flush(buffer, position)
        del buffer[:position]
        return results

    def clear(self) -> Dropped | None:
        """Discard a held-back incomplete frame (after a reply timeout)."""
        return _clear(self._buffer)

    def _frame_at(self, start: int, known_only: bool = False) -> tuple[int | None, str | None]:
        """``(length, None)`` for a complete frame with a valid CRC at ``start``,
        ``(None, None)`` when more bytes are needed, ``(None, reason)`` when no frame
        starts there. With ``known_only``, a function of unknown layout is no frame."""
        buffer = self._buffer
        if self._units is not None and buffer[start] not in self._units:
            return None, f"unit {buffer[start]} is not expected"
        head = buffer[start : start + MAX_RTU_FRAME]
        try:
            length = rtu_frame_length(head, self._direction)
        except UnknownLength as unknown:
            if self._direction is Direction.RESPONSE or known_only:
                return None, f"unknown function code 0x{unknown.args[0]:02X}"
            return _first_crc_match(head)
        if length is None or len(head) < length:
            return None, None
        if crc16(head[:length]) != 0:
            return None, "bad CRC"
        return length, None

    def _complete_frame_after(self, position: int) -> int | None:
        """Where the first complete frame of known layout with a valid CRC after
        ``position`` starts (a CRC search there would find false frames too often)."""
        for start in range(position + 1, len(self._buffer)):
            length, problem = self._frame_at(start, known_only=True)
            if length is not None and problem is None:
                return start
        return None


def _first_crc_match(head: bytearray) -> tuple[int | None, str | None]:
    """A frame of unknown layout ends at the first CRC that matches."""
    crc = CRC_INITIAL
    for index, byte in enumerate(head):
        crc = crc16((byte,), crc)
        if crc == 0 and index + 1 >= MIN_RTU_FRAME:
            return index + 1, None
    if len(head) < MAX_RTU_FRAME:
        return None, None
    return None, "no CRC matches a frame of an unknown function"


def stream_reader(
    framing: Framing, direction: Direction, units: Collection[int] | None = None
) -> TcpStreamReader | RtuStreamReader:
    """The reader of a stream of that framing. Modbus TCP readers ignore ``units``: the
    transaction id, not the unit id, pairs a reply with its request."""
    if framing is Framing.TCP:
        return TcpStreamReader()
    return RtuStreamReader(direction, units)


def _clear(buffer: bytearray) -> Dropped | None:
    if not buffer:
        return None
    dropped = Dropped(bytes(buffer), "incomplete frame discarded")
    buffer.clear()
    return dropped
