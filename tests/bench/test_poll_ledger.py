"""The poller bench's accounting of events: handed out, late, lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.poll_ledger import EventAccount, account_events, handed_out


def ledger_line(comaster: str, raw: str) -> bytes:
    return json.dumps({"comaster": comaster, "event": {}, "raw": raw}).encode() + b"\n"


def test_only_the_events_the_flush_counted_are_handed_out(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    written_since = ledger_line("B001", "cc") + ledger_line("B002", "dd")[:9]
    ledger.write_bytes(ledger_line("B000", "aa") + ledger_line("B001", "bb") + written_since)
    assert handed_out(ledger, 2) == {("B000", "aa"), ("B001", "bb")}
    assert handed_out(ledger, 0) == set()


def test_a_ledger_shorter_than_its_flush_said_is_refused(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_bytes(ledger_line("B000", "aa") + ledger_line("B001", "bb")[:9])
    with pytest.raises(ValueError, match="fewer than the 2"):
        handed_out(ledger, 2)


class Database:
    """Events stored so far; each time the bench asks whether the poller drained, the
    next of ``arrivals`` is stored (the poller catching up)."""

    def __init__(self, stored: set, arrivals: list[set], drained_after: int) -> None:
        self.stored, self.arrivals, self.asked = stored, arrivals, 0
        self.drained_after = drained_after

    def missing(self, events: set) -> set:
        return events - self.stored

    def drained(self) -> bool:
        self.asked += 1
        if self.arrivals:
            self.stored |= self.arrivals.pop(0)
        return self.asked > self.drained_after


EVENTS = {("B000", "aa"), ("B000", "bb"), ("B001", "cc"), ("B001", "dd")}


def test_events_stored_before_the_poller_drained_are_late_not_lost() -> None:
    database = Database({("B000", "aa")}, [{("B000", "bb")}, {("B001", "cc")}], drained_after=2)
    account = account_events(EVENTS, database.missing, database.drained, 10.0, every=0.0)
    assert account == EventAccount(handed_out=4, late=2, lost=1)
    assert database.asked == 3, "lost is counted only once the poller drained"


def test_once_every_late_event_is_stored_none_is_lost_drained_or_not() -> None:
    database = Database(set(), [EVENTS], drained_after=10**9)
    account = account_events(EVENTS, database.missing, database.drained, 10.0, every=0.0)
    assert account == EventAccount(handed_out=4, late=4, lost=0)


def test_nothing_missing_at_the_end_is_settled_without_waiting() -> None:
    database = Database(set(EVENTS), [], drained_after=10**9)
    account = account_events(EVENTS, database.missing, database.drained, 10.0, every=0.0)
    assert account == EventAccount(handed_out=4, late=0, lost=0)
    assert database.asked == 0


def test_lost_is_unknown_when_the_poller_never_drains() -> None:
    database = Database(set(), [{("B000", "aa")}], drained_after=10**9)
    account = account_events(EVENTS, database.missing, database.drained, 0.0, every=0.0)
    assert account == EventAccount(handed_out=4, late=4, lost=None)
