"""The ledger: every event a simulated COMaster hands out, once, as JSON lines.

A test reads it to prove that a poller stored each of these events exactly once. BufRetry
repeats are not written: they are the same events again.
"""

import json
import os
from collections.abc import Sequence
from pathlib import Path

from ..jsonform import event_as_dict
from ..messages import Event


class Ledger:
    """Appends ``{"comaster", "event", "raw"}`` lines to a file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file = self.path.open("a", encoding="utf-8")
        self.recorded = 0

    def record(self, comaster: str, events: Sequence[Event]) -> None:
        for event in events:
            line = {"comaster": comaster, "event": event_as_dict(event), "raw": event.raw.hex()}
            self._file.write(json.dumps(line, separators=(",", ":")) + "\n")
        self.recorded += len(events)

    def flush(self) -> None:
        """Make everything recorded so far readable by others, and durable."""
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self.flush()
            self._file.close()
