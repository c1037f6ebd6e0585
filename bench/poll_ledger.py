"""The poller bench's event accounting: what the simulators handed out against what the
database holds, late and lost told apart.

An event is *late* when it was handed out by the measuring window's end and is not in the
database when first looked for, just after; it is *lost* when it is still not there once
the poller has drained: every COMaster has had a reply stored since the window ended (SEQ
moves on only once an answer is stored, so every answer handed out before, or its
BufRetry repeat, was stored first) and the poller's journal holds no entry that is not in
the database.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Key = tuple[str, str]
"""An event as ledger and database both name it: ``(COMaster name, raw bytes in hex)``."""


def handed_out(ledger: Path, recorded: int) -> set[Key]:
    """The first ``recorded`` events of a simulator's ledger: those it had handed out
    when its flush answered ``recorded``. Lines written after that flush (the simulator
    goes on handing out events) are not read, so they are neither late nor lost."""
    with ledger.open("rb") as lines:
        read = list(itertools.islice(lines, recorded))
    if len(read) < recorded or (read and not read[-1].endswith(b"\n")):
        raise ValueError(f"{ledger} holds fewer than the {recorded} events its flush counted")
    return {(line["comaster"], line["raw"]) for line in map(json.loads, read)}


def missing_events(events: set[Key]) -> set[Key]:
    """Those of ``events`` that are not in the database now."""
    from poll.models import Energy, Event

    missing = set(events)
    missing -= set(Event.objects.values_list("comaster__name", "raw"))
    missing -= set(Energy.objects.values_list("comaster__name", "raw"))
    return missing


@dataclass(frozen=True)
class EventAccount:
    handed_out: int
    late: int
    """Missing at the window's end, stored by the time the poller drained (all of those
    missing at the end when it never drained)."""
    lost: int | None
    """Still missing once the poller drained (0 as soon as every late one is stored);
    None when neither happened in time."""


def account_events(
    events: set[Key],
    missing: Callable[[set[Key]], set[Key]],
    drained: Callable[[], bool],
    patience: float,
    every: float = 2.0,
) -> EventAccount:
    """Late and lost among ``events`` (handed out by the window's end): ``missing`` tells
    which of a set are not stored, ``drained`` whether the poller has drained. Every
    ``every`` seconds, for ``patience`` seconds at most, it asks whether the poller has
    drained and then which of the late events are still missing: none (a stored event
    stays stored), or the poller drained, settles it."""
    late = missing(events)
    deadline = time.monotonic() + patience
    while late:
        done = drained()  # before looking: what is missing then is missing once drained
        still = missing(late)
        if done or not still:
            return EventAccount(len(events), len(late) - len(still), len(still))
        if time.monotonic() > deadline:
            return EventAccount(len(events), len(late), None)
        time.sleep(every)
    return EventAccount(len(events), 0, 0)
