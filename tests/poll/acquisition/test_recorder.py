"""A COMaster's client reports turned into journaled batches and communication state."""

from __future__ import annotations

import zoneinfo

import pytest

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.mara.layout import ComasterLayout
from poll.acquisition.mara.mapping import ReplyMapper
from poll.acquisition.mara.recorder import ComasterRecorder
from poll.acquisition.metrics import PollerMetrics
from protocols.mara import AnalogValue, DigitalEvent, PollReply
from protocols.mara.client import FailedTry

from .test_mapping import CONFIG

REPLY = PollReply(sv=bytes(12), di=(1, 0), ai=(AnalogValue(0, 1),) * 2, events=())


class Journal:
    def __init__(self) -> None:
        self.batches: list[WriteBatch] = []
        self.fail = False

    def append(self, batch: WriteBatch) -> None:
        if self.fail:
            raise OSError("disk full")
        self.batches.append(batch)


@pytest.fixture
def journal() -> Journal:
    return Journal()


def recorder(journal: Journal, online: bool = False) -> ComasterRecorder:
    status = LinkStatus(7, online, None, None, "", 10, 0, 0, 0, 0, None, None)
    clock = iter(range(1_000, 10_000_000, 1_000))
    mapper = ReplyMapper(ComasterLayout(CONFIG), zoneinfo.ZoneInfo("UTC"))
    return ComasterRecorder(mapper, status, journal.append, PollerMetrics(), lambda: next(clock))


def test_first_reply_brings_the_comaster_online_with_everything_in_one_batch(journal) -> None:
    r = recorder(journal)
    r.poll_sent(0x20, 1, 0.0)
    event = DigitalEvent(5, 0, 1, 1, 2, None, b"\x05" * 10)
    r.reply_received(0x20, PollReply(REPLY.sv, REPLY.di, REPLY.ai, (event,)), 0.004)
    (batch,) = journal.batches
    assert len(batch.points) == 21 and len(batch.events) == 1
    (online,) = batch.link_events
    assert (online.kind, online.code, online.reason, online.text) == (
        "comasters",
        2,
        1,
        "COMaster online",
    )
    status = batch.links["comasters"][7]
    assert status.online and status.polls == 11 and status.events_received == 1
    assert (status.seq, status.latency_ms, status.state_since) == (0x20, 4.0, 1_000)


def test_going_offline_marks_points_not_current_once(journal) -> None:
    r = recorder(journal)
    r.reply_received(0x20, REPLY, 0.001)
    r.try_failed(0x21, 1, FailedTry.TIMEOUT, "no reply in 1 s")
    r.link_down("no answer after 3 tries")
    r.link_down("cannot connect: refused")
    assert len(journal.batches) == 2
    offline = journal.batches[1]
    assert all(not change.current for change in offline.points.values())
    assert offline.link_events[0].text == "COMaster offline: no answer after 3 tries"
    assert offline.links["comasters"][7].online is False
    assert offline.links["comasters"][7].timeouts == 1
    later = WriteBatch()
    r.add_status(later)
    assert later.links["comasters"][7].last_error == "cannot connect: refused"


def test_counters_without_a_reply_go_out_with_the_status_batch_once(journal) -> None:
    r = recorder(journal, online=True)
    r.bad_frame(b"\xfe\x10", "bad BCC")
    r.reconnect_scheduled(1.0)
    batch = WriteBatch()
    r.add_status(batch)
    status = batch.links["comasters"][7]
    assert (status.bad_frames, status.reconnects) == (1, 1)
    again = WriteBatch()
    r.add_status(again)
    assert not again


def test_a_reply_that_cannot_be_journaled_is_read_again_in_full(journal) -> None:
    r = recorder(journal)
    journal.fail = True
    with pytest.raises(OSError):
        r.reply_received(0x20, REPLY, 0.001)
    assert not r.online
    journal.fail = False
    r.reply_received(0x20, REPLY, 0.001)
    assert len(journal.batches[0].points) == 21
    assert journal.batches[0].link_events[0].text == "COMaster online"
