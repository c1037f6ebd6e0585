"""The spool: an append-only journal of write batches on local disk.

Every batch is appended here, on the reactor thread, before the COMaster that produced it
is told its reply was taken (SEQ advances); the writer applies entries to the database in
order and records how far it got in a checkpoint. A database outage only makes the
journal longer, and a restart replays what the checkpoint does not cover. Applying an
entry twice is harmless (records are de-duplicated, states are overwritten), so the
checkpoint may lag behind the database but never the other way round.

Files, under the spool directory:

- ``journal-<first entry>.bin``: segments of records, each a header (the length of the
  batch, its entry number, the CRC-32 of the batch) and the batch in its binary form
  (:meth:`~poll.acquisition.batch.WriteBatch.to_bytes`); a new segment starts when one
  passes :data:`SEGMENT_BYTES`, and segments wholly applied are deleted. Segments
  ``journal-<first entry>.log`` of lines ``<entry number> <batch JSON>``, which pollers
  wrote before, are still read and replayed (never appended to), so that an upgrade loses
  none of a spool left behind.
- ``applied.json``: the checkpoint, ``{"applied": N, "seqs": {link id: seq}}``: the last
  entry in the database and the ``seq`` of each link's last stored answer, for protocols
  that number their requests (so that a restarted poller asks a COMaster again for an
  answer it may have lost: see PollClient). It is rewritten at most once every
  :data:`CHECKPOINT_INTERVAL` seconds, and when the journal closes, not after every
  commit (at 1,000 links it is 20 kB): it may lag behind the database by that much, which
  only means a few entries applied again after a crash, and the SEQs of those entries
  are read back from the journal itself.

An append is a ``write`` to the operating system, which survives the poller being killed;
it does not wait for the disk (no fsync), so a power cut may lose the last entries.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from io import FileIO
from pathlib import Path

from poll.acquisition.batch import WriteBatch

log = logging.getLogger(__name__)

SEGMENT_BYTES = 16 * 1024 * 1024
CHECKPOINT_INTERVAL = 1.0
"""Seconds between two rewrites of the checkpoint (see the module's docstring)."""
CHECKPOINT = "applied.json"
SEGMENT_PREFIX, SEGMENT_SUFFIX = "journal-", ".bin"
JSON_SUFFIX = ".log"
"""Segments of JSON lines, written by earlier pollers: read, never appended to."""
HEADER = struct.Struct(">IQI")
"""A record's header: length of the batch, entry number, CRC-32 of the batch."""


class Journal:
    """Appends on one thread, reads and checkpoints on another."""

    def __init__(
        self,
        directory: Path,
        segment_bytes: int = SEGMENT_BYTES,
        checkpoint_interval: float = CHECKPOINT_INTERVAL,
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._segment_bytes = segment_bytes
        self._checkpoint_interval = checkpoint_interval
        self._checkpoint_due = 0.0
        self._checkpoint_lock = threading.Lock()
        self._saved = -1
        checkpoint = self._read_checkpoint()
        self.applied: int = checkpoint["applied"]
        self._seqs = {int(key): value for key, value in checkpoint["seqs"].items()}
        self.last_entry = self._saved = self.applied
        self._recover()
        self._file = self._open_segment(self.last_entry + 1, reuse_last=True)
        self._end = self._file.tell()
        """Where the next entry goes in the segment: kept here rather than asked of the
        file, a system call (two per answer) saved on the reactor thread."""

    @property
    def pending(self) -> int:
        """Entries appended but not yet applied."""
        return self.last_entry - self.applied

    def stored_seqs(self) -> dict[int, int]:
        """``seq`` of each link's last journaled answer (those whose protocol has one)."""
        return dict(self._seqs)

    def append(self, batch: WriteBatch) -> int:
        """Write ``batch`` as the next entry and return its number; raises ``OSError``
        when it cannot be written (the caller must then not acknowledge it)."""
        number = self.last_entry + 1
        if self._end >= self._segment_bytes:
            self._file.close()
            self._file = self._open_segment(number, reuse_last=False)
            self._end = self._file.tell()
        data = batch.to_bytes()
        record = HEADER.pack(len(data), number, zlib.crc32(data)) + data
        start = self._end
        try:
            if self._file.write(record) != len(record):
                raise OSError(f"short write to {self._file.name}")
        except OSError:
            self._file.truncate(start)  # never leave half a record before the next one
            self._file.seek(start)
            raise
        self._end = start + len(record)
        self.last_entry = number
        return number

    def read(self, first: int, last: int) -> Iterator[tuple[int, WriteBatch]]:
        """Entries ``first`` to ``last`` (all already appended), in order."""
        segments = self._segments()
        for index, (start, path) in enumerate(segments):
            following = segments[index + 1][0] if index + 1 < len(segments) else None
            if start > last or (following is not None and following <= first):
                continue
            for number, data in _records(path, first):
                if number > last:
                    return
                if number >= first:
                    try:
                        yield number, _decode(path, data)
                    except (ValueError, TypeError, KeyError, EOFError) as error:
                        log.error("journal entry %d in %s is unreadable: %s", number, path, error)

    def mark_applied(self, number: int, seqs: dict[int, int]) -> None:
        """Entries up to ``number`` are in the database; ``seqs`` are the SEQs they stored.
        The checkpoint file follows within :data:`CHECKPOINT_INTERVAL` seconds."""
        with self._checkpoint_lock:
            self._seqs.update(seqs)
            self.applied = number
        if time.monotonic() >= self._checkpoint_due:
            self.save_checkpoint()

    def save_checkpoint(self) -> None:
        """Write the checkpoint now (if it moved) and delete the segments it covers."""
        with self._checkpoint_lock:
            number = self.applied
            self._checkpoint_due = time.monotonic() + self._checkpoint_interval
            if number == self._saved:
                return
            temporary = self.directory / f"{CHECKPOINT}.tmp"
            temporary.write_text(json.dumps({"applied": number, "seqs": self._seqs}))
            os.replace(temporary, self.directory / CHECKPOINT)
            self._saved = number
        segments = self._segments()
        for (_, path), (following, _) in zip(segments, segments[1:], strict=False):
            if following - 1 <= number:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        self.save_checkpoint()
        self._file.close()

    def _read_checkpoint(self) -> dict:
        try:
            return json.loads((self.directory / CHECKPOINT).read_text())
        except FileNotFoundError:
            return {"applied": 0, "seqs": {}}

    def _segments(self) -> list[tuple[int, Path]]:
        found = []
        for suffix in (JSON_SUFFIX, SEGMENT_SUFFIX):
            for path in self.directory.glob(f"{SEGMENT_PREFIX}*{suffix}"):
                digits = path.name[len(SEGMENT_PREFIX) : -len(suffix)]
                if digits.isdigit():
                    found.append((int(digits), path))
        return sorted(found)

    def _recover(self) -> None:
        """Find the last entry, cut off a line torn by a crash, and learn the SEQs of
        entries the checkpoint does not cover."""
        segments = self._segments()
        if not segments:
            return
        _cut_torn_tail(segments[-1][1])
        for start, path in segments:
            for number, data in _records(path):
                if number > self.applied:
                    self._seqs.update(_decode(path, data).seqs())
                self.last_entry = max(self.last_entry, number)
            if start > self.last_entry + 1:
                log.error("journal segment %s starts after a gap", path.name)
        if self.pending:
            log.info("journal: %d entries to replay into the database", self.pending)

    def _open_segment(self, first: int, reuse_last: bool) -> FileIO:
        """Unbuffered: every append is one write to the operating system."""
        segments = self._segments()
        if reuse_last and segments and segments[-1][1].suffix == SEGMENT_SUFFIX:
            path = segments[-1][1]
        else:
            path = self.directory / f"{SEGMENT_PREFIX}{first:016d}{SEGMENT_SUFFIX}"
        return FileIO(path, "a")


def _records(path: Path, first: int = 0) -> Iterator[tuple[int, bytes]]:
    """The entries of a segment of either form, up to the first incomplete one; of a
    binary segment, only those from entry ``first`` on (the others are not even checked)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    if path.suffix == JSON_SUFFIX:
        yield from _json_lines(data, path.name)
    else:
        yield from _binary_records(data, path.name, first)


def _decode(path: Path, data: bytes) -> WriteBatch:
    if path.suffix == JSON_SUFFIX:
        return WriteBatch.from_json(data)
    return WriteBatch.from_bytes(data)


def _binary_records(data: bytes, name: str, first: int = 0) -> Iterator[tuple[int, bytes]]:
    """The whole records of a binary segment from entry ``first`` on; one whose CRC does
    not match is logged and skipped, as an unreadable JSON line always was."""
    for number, start, end in _frames(data):
        if number < first:
            continue
        record = data[start:end]
        if zlib.crc32(record) == HEADER.unpack_from(data, start - HEADER.size)[2]:
            yield number, record
        else:
            log.error("journal %s: entry %d is damaged, skipped", name, number)


def _frames(data: bytes) -> Iterator[tuple[int, int, int]]:
    """Entry number, start and end of each record whose bytes are all there."""
    offset, size = 0, HEADER.size
    while offset + size <= len(data):
        length, number, _ = HEADER.unpack_from(data, offset)
        end = offset + size + length
        if end > len(data):
            return  # being written right now, or torn
        yield number, offset + size, end
        offset = end


def _json_lines(data: bytes, name: str) -> Iterator[tuple[int, bytes]]:
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            return  # torn
        number, _, text = line.partition(b" ")
        if number.isdigit():
            yield int(number), text
        else:
            log.error("journal %s: a line without an entry number, skipped", name)


def _cut_torn_tail(path: Path) -> None:
    """Cut off the end of a segment that holds no complete entry (written when the poller
    was killed or the machine stopped), so that the next entry follows a whole one."""
    data = path.read_bytes()
    if path.suffix == JSON_SUFFIX:
        end = data.rfind(b"\n") + 1
    else:
        end = max((end for _, _, end in _frames(data)), default=0)
    if end < len(data):
        log.warning("journal: dropping %d bytes of an entry torn by a crash", len(data) - end)
        with path.open("r+b") as segment:
            segment.truncate(end)
