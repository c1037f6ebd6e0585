"""Turning a TCP byte stream into frames.

The reader scans for SOF, reads QTY, waits for the rest of the frame and checks its BCC.
On a bad QTY or BCC it drops the SOF byte and everything up to the next SOF, and reports
what it dropped, so a valid frame after garbage is never lost.

One more rule keeps a stray SOF in garbage from stalling the stream: while the frame
that starts at the head of the buffer is still incomplete, a complete frame with a valid
BCC further on wins, and the bytes before it are dropped. Otherwise a garbage ``FE F0``
would make the reader sit on a real reply until 240 more bytes arrived, which in a
poll-and-wait protocol may be never.
"""

from dataclasses import dataclass

from .constants import MAX_QTY, MIN_QTY, SOF
from .decode import decode_checked_frame, has_valid_bcc
from .errors import MaraError
from .messages import Frame


@dataclass(frozen=True, slots=True)
class Dropped:
    """Bytes the reader discarded, and why."""

    data: bytes
    reason: str


class StreamReader:
    """Feed it bytes as they arrive; it returns the frames (and drops) they complete."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        """Number of bytes held back as the start of an incomplete frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame | Dropped]:
        """Add ``data`` and return, in stream order, every frame it completes and
        every run of bytes that had to be dropped."""
        buffer = self._buffer
        buffer += data
        results: list[Frame | Dropped] = []
        position = 0
        while position < len(buffer):
            start = buffer.find(SOF, position)
            if start < 0:
                start = len(buffer)
            if start > position:
                results.append(Dropped(bytes(buffer[position:start]), "no start of frame"))
                position = start
                continue
            if len(buffer) - start < 2:
                break
            qty = buffer[start + 1]
            if not MIN_QTY <= qty <= MAX_QTY:
                position = self._drop_to_next_sof(start, f"bad QTY {qty}", results)
                continue
            if len(buffer) - start < qty:
                later = self._find_complete_frame(start + 1)
                if later is None:
                    break
                results.append(
                    Dropped(bytes(buffer[start:later]), "incomplete frame before a valid one")
                )
                position = later
                continue
            candidate = bytes(buffer[start : start + qty])
            if not has_valid_bcc(candidate):
                position = self._drop_to_next_sof(start, "bad BCC", results)
                continue
            position = start + qty
            try:
                results.append(decode_checked_frame(candidate))
            except MaraError as error:
                results.append(Dropped(candidate, str(error)))
        del buffer[:position]
        return results

    def clear(self) -> Dropped | None:
        """Discard a held-back incomplete frame (after a reply timeout or a reconnect)."""
        if not self._buffer:
            return None
        dropped = Dropped(bytes(self._buffer), "incomplete frame discarded")
        self._buffer.clear()
        return dropped

    def _drop_to_next_sof(self, start: int, reason: str, results: list[Frame | Dropped]) -> int:
        """Drop from ``start`` up to the next SOF after it; return where to go on."""
        following = self._buffer.find(SOF, start + 1)
        end = len(self._buffer) if following < 0 else following
        results.append(Dropped(bytes(self._buffer[start:end]), reason))
        return end

    def _find_complete_frame(self, position: int) -> int | None:
        """Start of the first complete frame with a valid BCC at or after ``position``."""
        buffer = self._buffer
        start = buffer.find(SOF, position)
        while 0 <= start < len(buffer) - 1:
            qty = buffer[start + 1]
            end = start + qty
            if (
                MIN_QTY <= qty <= MAX_QTY
                and end <= len(buffer)
                and has_valid_bcc(buffer[start:end])
            ):
                return start
            start = buffer.find(SOF, start + 1)
        return None
