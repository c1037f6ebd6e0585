"""The spool: an append-only journal of write batches on local disk.

Every batch is appended here, on the reactor thread, before the COMaster that produced it
is told its reply was taken (SEQ advances); the writer applies entries to the database in
order and records how far it got in a checkpoint. A database outage only makes the
journal longer, and a restart replays what the checkpoint does not cover. Applying an
entry twice is harmless (records are de-duplicated, states are overwritten), so the
checkpoint may lag behind the database but never the other way round.

Files, under the spool directory:

- ``journal-<first entry>.log``: segments of lines ``<entry number> <batch JSON>``; a new
  segment starts when one passes :data:`SEGMENT_BYTES`, and segments wholly applied are
  deleted.
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
import threading
import time
from collections.abc import Iterator
from io import FileIO
from pathlib import Path

from poll.acquisition.batch import WriteBatch

log = logging.getLogger(__name__)

SEGMENT_BYTES = 16 * 1024 * 1024
CHECKPOINT_INTERVAL = 1.0
"""Seconds between two rewrites of the checkpoint (see the module's docstring)."""
CHECKPOINT = "applied.json"
SEGMENT_PREFIX, SEGMENT_SUFFIX = "journal-", ".log"


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
        if self._file.tell() >= self._segment_bytes:
            self._file.close()
            self._file = self._open_segment(number, reuse_last=False)
        line = f"{number} {batch.to_json()}\n".encode()
        start = self._file.tell()
        try:
            if self._file.write(line) != len(line):
                raise OSError(f"short write to {self._file.name}")
        except OSError:
            self._file.truncate(start)  # never leave half a line before the next one
            self._file.seek(start)
            raise
        self.last_entry = number
        return number

    def read(self, first: int, last: int) -> Iterator[tuple[int, WriteBatch]]:
        """Entries ``first`` to ``last`` (all already appended), in order."""
        segments = self._segments()
        for index, (start, path) in enumerate(segments):
            following = segments[index + 1][0] if index + 1 < len(segments) else None
            if start > last or (following is not None and following <= first):
                continue
            for number, text in _lines(path):
                if number > last:
                    return
                if number >= first:
                    try:
                        yield number, WriteBatch.from_json(text)
                    except (ValueError, TypeError, KeyError) as error:
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
        for path in self.directory.glob(f"{SEGMENT_PREFIX}*{SEGMENT_SUFFIX}"):
            digits = path.name[len(SEGMENT_PREFIX) : -len(SEGMENT_SUFFIX)]
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
            for number, text in _lines(path):
                if number > self.applied:
                    self._seqs.update(WriteBatch.from_json(text).seqs())
                self.last_entry = max(self.last_entry, number)
            if start > self.last_entry + 1:
                log.error("journal segment %s starts after a gap", path.name)
        if self.pending:
            log.info("journal: %d entries to replay into the database", self.pending)

    def _open_segment(self, first: int, reuse_last: bool) -> FileIO:
        """Unbuffered: every append is one write to the operating system."""
        segments = self._segments()
        if reuse_last and segments:
            path = segments[-1][1]
        else:
            path = self.directory / f"{SEGMENT_PREFIX}{first:016d}{SEGMENT_SUFFIX}"
        return FileIO(path, "a")


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with path.open("rb") as segment:
            for line in segment:
                if not line.endswith(b"\n"):
                    return  # being written right now, or torn
                number, _, text = line.partition(b" ")
                if number.isdigit():
                    yield int(number), text
                else:
                    log.error("journal %s: a line without an entry number, skipped", path.name)
    except FileNotFoundError:
        return


def _cut_torn_tail(path: Path) -> None:
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        log.warning("journal: dropping %d bytes of an entry torn by a crash", len(data) - end)
        with path.open("r+b") as segment:
            segment.truncate(end)
