"""Batches: coalescing, the journal's binary form and JSON; the journal: append, read back,
checkpoint, pruning, recovery after a crash, segments of JSON left by an older poller."""

from __future__ import annotations

from io import FileIO
from typing import TYPE_CHECKING

import pytest

from poll.acquisition.batch import EventRow, LinkStatus, PointChange, SampleRow, WriteBatch
from poll.acquisition.journal import Journal

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


def status(comaster_id: int, seq: int | None) -> LinkStatus:
    return LinkStatus(comaster_id, True, 1, 2, "", 3, 0, 0, 0, 0, 1.5, seq)


def batch(n: int, comaster_id: int = 1) -> WriteBatch:
    b = WriteBatch()
    b.set_point(PointChange(n, float(n), 0, True, n))
    b.samples.append(SampleRow(n, n, float(n), 0))
    b.events.append(EventRow(1, comaster_id, None, 5, 0, 1, None, 1, 0, "ab", f"1:{n}", n))
    b.set_link("comasters", status(comaster_id, 0x20 + n))
    return b


def test_merge_keeps_the_latest_state_and_every_record() -> None:
    first, second = batch(1), batch(2)
    second.set_point(PointChange(1, 9.0, 2, True, 5))
    first.merge(second)
    assert first.points[1] == PointChange(1, 9.0, 2, True, 5)
    assert len(first.events) == len(first.samples) == 2
    assert first.links["comasters"][1].seq == 0x22


def test_losing_currency_keeps_the_value_of_an_earlier_change_in_the_same_batch() -> None:
    coalesced = WriteBatch()
    coalesced.set_point(PointChange(4, 7.0, 1, True, 10))
    coalesced.set_point(PointChange(4, None, None, False, 11))
    assert coalesced.points[4] == PointChange(4, 7.0, 1, False, 11)


def test_json_round_trip() -> None:
    original = batch(3)
    assert WriteBatch.from_json(original.to_json()) == original
    assert not WriteBatch() and original


def test_binary_round_trip_keeps_every_row_type() -> None:
    original = batch(3)
    original.merge(batch(4, comaster_id=2))
    original.samples.append(SampleRow(5, 6, None, 4))
    original.set_point(PointChange(9, None, None, False, 7))
    decoded = WriteBatch.from_bytes(original.to_bytes())
    assert decoded == original
    assert type(decoded.events[0]) is EventRow and type(decoded.points[9]) is PointChange
    assert WriteBatch.from_bytes(WriteBatch().to_bytes()) == WriteBatch()


def test_an_entry_journaled_by_the_previous_poller_is_read_in_full() -> None:
    old = (
        '{"points":[[1,2.0,0,true,5]],"comasters":[[1,true,1,2,"",3,0,0,0,0,1.5,34]],'
        '"modbus_devices":[[7,true,1,2,"x",3,4,5,6,7,8,2.5]],'
        '"modbus_com_events":[[1,7,2,1,"Modbus device online",9,"mb7:link:9"]]}'
    )
    batch = WriteBatch.from_json(old)
    assert batch.links["comasters"][1] == status(1, 34)
    assert batch.links["modbus_devices"][7] == LinkStatus(
        7, True, 1, 2, "x", 3, 4, 5, 7, 8, 2.5, None, 6
    )
    (event,) = batch.link_events
    assert (event.kind, event.link_id, event.text, event.dedup_key) == (
        "modbus_devices",
        7,
        "Modbus device online",
        "mb7:link:9",
    )
    assert batch.points[1].value == 2.0 and batch.seqs() == {1: 34}


def test_append_read_and_checkpoint(tmp_path) -> None:
    journal = Journal(tmp_path)
    assert [journal.append(batch(n)) for n in (1, 2, 3)] == [1, 2, 3]
    assert journal.pending == 3
    assert [(n, b) for n, b in journal.read(2, 3)] == [(2, batch(2)), (3, batch(3))]
    journal.mark_applied(2, {1: 0x22})
    assert journal.pending == 1
    journal.close()
    reopened = Journal(tmp_path)
    assert (reopened.applied, reopened.last_entry) == (2, 3)
    assert reopened.stored_seqs() == {1: 0x23}  # entry 3 is not applied but was stored
    assert [n for n, _ in reopened.read(3, 3)] == [3]
    assert reopened.append(batch(4)) == 4


def test_segments_roll_and_applied_ones_are_deleted(tmp_path) -> None:
    journal = Journal(tmp_path, segment_bytes=1)
    for n in range(1, 6):
        journal.append(batch(n))
    assert len(list(tmp_path.glob("journal-*.bin"))) == 5
    assert [n for n, _ in journal.read(1, 5)] == [1, 2, 3, 4, 5]
    journal.mark_applied(3, {})
    assert sorted(p.name for p in tmp_path.glob("journal-*.bin")) == [
        "journal-0000000000000004.bin",
        "journal-0000000000000005.bin",
    ]
    assert [n for n, _ in journal.read(4, 5)] == [4, 5]


def test_an_entry_torn_by_a_crash_is_cut_off(tmp_path) -> None:
    journal = Journal(tmp_path)
    journal.append(batch(1))
    journal.close()
    (segment,) = tmp_path.glob("journal-*.bin")
    record = segment.read_bytes()
    with segment.open("ab") as file:
        file.write(record[: len(record) - 3])
    reopened = Journal(tmp_path)
    assert reopened.last_entry == 1
    assert reopened.append(batch(2)) == 2
    assert [n for n, _ in reopened.read(1, 2)] == [1, 2]


def test_a_damaged_entry_is_skipped_and_the_rest_read(tmp_path) -> None:
    journal = Journal(tmp_path)
    for n in (1, 2, 3):
        journal.append(batch(n))
    journal.close()
    (segment,) = tmp_path.glob("journal-*.bin")
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside entry 2
    segment.write_bytes(bytes(data))
    assert [n for n, _ in Journal(tmp_path).read(1, 3)] == [1, 3]


def test_segments_of_json_left_by_an_older_poller_are_replayed(tmp_path) -> None:
    lines = b"".join(f"{n} {batch(n).to_json()}\n".encode() for n in (1, 2))
    (tmp_path / "journal-0000000000000001.log").write_bytes(lines + b'3 {"poi')
    journal = Journal(tmp_path)
    assert (journal.last_entry, journal.stored_seqs()) == (2, {1: 0x22})
    assert journal.append(batch(3)) == 3
    assert [(n, b) for n, b in journal.read(1, 3)] == [(n, batch(n)) for n in (1, 2, 3)]
    assert [p.suffix for p in sorted(tmp_path.glob("journal-*"))] == [".log", ".bin"]
    journal.mark_applied(3, {})
    journal.save_checkpoint()
    assert [p.name for p in tmp_path.glob("journal-*")] == ["journal-0000000000000003.bin"]


class DiskFullAfter(FileIO):
    """A segment file that takes ``room`` more bytes, then fails like a full disk: ``file``
    seen through its own descriptor, which stays ``file``'s to close."""

    def __init__(self, file: FileIO, room: int) -> None:
        super().__init__(file.fileno(), "a", closefd=False)
        self._room = room

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data)
        written = super().write(view[: self._room])
        self._room -= written
        if written < view.nbytes:
            raise OSError(28, "No space left on device")
        return written


def test_a_failed_append_leaves_no_half_line_behind(tmp_path) -> None:
    journal = Journal(tmp_path)
    journal.append(batch(1))
    segment = journal._file
    journal._file = DiskFullAfter(segment, room=10)
    with pytest.raises(OSError):
        journal.append(batch(2))
    journal._file = segment
    assert journal.append(batch(2)) == 2
    assert [n for n, _ in journal.read(1, 2)] == [1, 2]
