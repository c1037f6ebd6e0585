"""Replies to point states and records, as docs/profile-format.md places them."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest

from poll.acquisition.batch import WriteBatch, from_micros
from poll.acquisition.history_policy import HistoryPolicy
from poll.acquisition.mara.config import ComasterConfig, IedSpec, PointSpec
from poll.acquisition.mara.layout import ComasterLayout
from poll.acquisition.mara.mapping import ReplyMapper
from protocols.mara import AnalogValue, ComsysEvent, DigitalEvent, EnergyEvent, IdleEvent, PollReply
from protocols.mara.client import ClientSettings

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NOW = 1_700_000_000_000_000


def point(
    id: int,
    kind: str,
    ied: int,
    offset: int,
    *,
    port: int | None = None,
    bit: int | None = None,
    inverted: bool = False,
    escala: float = 1.0,
    deadband: float = 0.0,
    channel: int | None = None,
) -> PointSpec:
    """An AI keeps history by deadband with a 15-min heartbeat; SVs and DIs none here
    (their policies are tested in test_point_states_policies.py)."""
    return PointSpec(
        id=id,
        kind=kind,
        tag=f"T{id}",
        ied_id=ied,
        offset=offset,
        port=port,
        bit=bit,
        inverted=inverted,
        escala=escala,
        history=HistoryPolicy(deadband, 0, 900_000_000) if kind == "ai" else None,
        channel=channel,
    )


def comaster(*ieds: IedSpec) -> ComasterConfig:
    settings = ClientSettings(
        host="127.0.0.1",
        port=9761,
        address=1,
        poll_interval=1.0,
        reply_timeout=1.0,
        attempts=3,
        time_set_interval=3600.0,
    )
    return ComasterConfig(id=7, profile_id=3, name="E4", client=settings, ieds=ieds)


# IED at offset 0 (address 0) and offset 1 (address 5), listed out of order on purpose.
CONFIG = comaster(
    IedSpec(
        id=21,
        offset=1,
        address=5,
        points=(
            point(1, "sv", 21, 0),
            point(2, "sv", 21, 4, bit=3),
            point(3, "di", 21, 0, port=1, bit=2, inverted=True),
            point(4, "ai", 21, 0, escala=0.01, deadband=0.05, channel=0),
        ),
    ),
    IedSpec(
        id=20,
        offset=0,
        address=0,
        points=tuple(point(10 + n, "di", 20, n, port=0, bit=n) for n in range(16))
        + (point(30, "ai", 20, 0, escala=2.0),),
    ),
)


def mapper() -> ReplyMapper:
    return ReplyMapper(ComasterLayout(CONFIG), MADRID)


ZERO_AIS = (AnalogValue(0, 0),) * 2


def reply(sv: bytes = bytes(12), di=(0, 0), ai=ZERO_AIS, events=()) -> PollReply:
    return PollReply(sv=sv, di=tuple(di), ai=tuple(ai), events=tuple(events))


def values(batch: WriteBatch) -> dict[int, tuple]:
    return {pid: (c.value, c.q, c.current) for pid, c in batch.points.items()}


def test_positions_follow_ied_offset_then_point_offset() -> None:
    layout = ComasterLayout(CONFIG)
    assert [[point for _, point, _ in word] for word in layout.di_words] == [
        list(range(10, 26)),
        [3],
    ]
    assert [row[0] for row in layout.ai] == [30, 4]
    assert layout.sv == [(1, 6, None), (2, 10, 3)]


def test_di_bits_words_and_inverted_mask() -> None:
    batch = WriteBatch()
    mapper().read_values(reply(di=(0b1000_0000_0000_0101, 0b0)), NOW, batch)
    got = values(batch)
    assert got[10] == (1.0, 0, True) and got[11] == (0.0, 0, True) and got[12] == (1.0, 0, True)
    assert got[25] == (1.0, 0, True)
    assert got[3] == (1.0, 0, True)  # DI number 16: bit 0 of word 1 is 0, inverted


def test_ai_value_is_raw_times_escala_with_q_from_the_top_bits() -> None:
    batch = WriteBatch()
    mapper().read_values(reply(ai=(AnalogValue(2, 100), AnalogValue(1, 1320))), NOW, batch)
    got = values(batch)
    assert got[30] == (200.0, 2, True)
    assert got[4] == (pytest.approx(13.2), 1, True)


def test_sv_bytes_and_bits() -> None:
    sv = bytes(6) + bytes([0x21, 0, 0, 0, 0b0000_1000, 0])
    batch = WriteBatch()
    mapper().read_values(reply(sv=sv), NOW, batch)
    assert values(batch)[1] == (0x21, 0, True)
    assert values(batch)[2] == (1.0, 0, True)


def test_sv_bit_4_of_an_ied_block_gives_its_ais_q_1() -> None:
    sv = bytes(6) + bytes([0x10, 0, 0, 0, 0, 0])
    batch = WriteBatch()
    mapper().read_values(reply(sv=sv, ai=(AnalogValue(0, 5), AnalogValue(0, 7))), NOW, batch)
    assert values(batch)[4][1] == 1  # the IED at offset 1 is silent
    assert values(batch)[30][1] == 0  # the other IED's AI keeps its own q


def test_only_changes_are_reported_and_quality_counts_as_a_change() -> None:
    m = mapper()
    m.read_values(reply(), NOW, WriteBatch())
    batch = WriteBatch()
    m.read_values(reply(di=(1, 0), ai=(AnalogValue(0, 0), AnalogValue(3, 0))), NOW + 1, batch)
    assert values(batch) == {10: (1.0, 0, True), 4: (0.0, 3, True)}


def test_points_a_short_reply_does_not_cover_are_not_current() -> None:
    m = mapper()
    m.read_values(reply(), NOW, WriteBatch())
    batch = WriteBatch()
    m.read_values(reply(di=(0,), ai=(AnalogValue(0, 0),)), NOW + 1, batch)
    assert values(batch) == {3: (None, None, False), 4: (None, None, False)}


def test_offline_marks_every_point_not_current_once() -> None:
    m = mapper()
    m.read_values(reply(), NOW, WriteBatch())
    batch = WriteBatch()
    m.mark_not_current(NOW + 1, batch)
    assert len(batch.points) == 21 and all(not c.current for c in batch.points.values())
    again = WriteBatch()
    m.mark_not_current(NOW + 2, again)
    assert not again.points
    back = WriteBatch()
    m.read_values(reply(), NOW + 3, back)
    assert len(back.points) == 21


def test_samples_on_deadband_quality_and_maximum_interval() -> None:
    m = mapper()
    first = WriteBatch()
    m.read_values(reply(ai=(AnalogValue(0, 10), AnalogValue(0, 1000))), NOW, first)
    assert {(s.point_id, s.value) for s in first.samples} == {(30, 20.0), (4, 10.0)}
    small = WriteBatch()  # AI 4 moves 0.04 < deadband 0.05; AI 30 has deadband 0
    m.read_values(reply(ai=(AnalogValue(0, 11), AnalogValue(0, 1004))), NOW + 1, small)
    assert [s.point_id for s in small.samples] == [30]
    assert 4 in small.points  # the value still changes
    quality = WriteBatch()
    m.read_values(reply(ai=(AnalogValue(0, 11), AnalogValue(1, 1004))), NOW + 2, quality)
    assert [s.point_id for s in quality.samples] == [4]
    late = WriteBatch()
    m.read_values(reply(ai=(AnalogValue(0, 11), AnalogValue(1, 1004))), NOW + 2 + 900_000_000, late)
    assert sorted(s.point_id for s in late.samples) == [4, 30]


def test_digital_event_value_is_status_xor_mask_and_time_is_utc() -> None:
    event = DigitalEvent(5, 0, 1, 1, 2, datetime(2024, 7, 1, 12, 0, 0, 500000), bytes(range(10)))
    batch = WriteBatch()
    assert mapper().read_records(reply(events=[event]), NOW, batch) == 1
    (row,) = batch.events
    assert (row.di_id, row.value, row.raw) == (3, 0, "00010203040506070809")
    assert row.dedup_key == "7:00010203040506070809"
    assert row.time is not None
    assert from_micros(row.time) == datetime(2024, 7, 1, 10, 0, 0, 500000, tzinfo=UTC)


def test_events_nobody_configured_are_stored_unassigned_and_logged_once(caplog) -> None:
    m = mapper()
    unknown = [DigitalEvent(9, 0, 1, 0, 0, None, b"\x09" * 10)] * 2
    batch = WriteBatch()
    m.read_records(reply(events=unknown), NOW, batch)
    assert [(row.di_id, row.value, row.time) for row in batch.events] == [(None, 1, None)] * 2
    assert len([r for r in caplog.records if "no point is configured" in r.message]) == 1


def test_energy_comsys_and_idle_events() -> None:
    when = datetime(2024, 1, 15, 10, 15)
    events = [
        EnergyEvent(5, 0, 0, 0, when, 12345, b"\x41" * 10),
        EnergyEvent(5, 0, 3, 0, when, 1, b"\x42" * 10),
        ComsysEvent(5, 0, 2, 1, when, b"\xc5" * 10),
        IdleEvent(5, 0, 0, when, b"\x80" * 10),
    ]
    batch = WriteBatch()
    assert mapper().read_records(reply(events=events), NOW, batch) == 3
    assert [(row.ai_id, row.value) for row in batch.energy] == [(4, 12345), (None, 1)]
    (com,) = batch.com_events
    assert (com.ied_id, com.source, com.code, com.reason, com.text) == (
        21,
        "field",
        2,
        1,
        "IED link restored",
    )
    energy_time = batch.energy[0].time
    assert energy_time is not None
    assert from_micros(energy_time) == datetime(2024, 1, 15, 9, 15, tzinfo=UTC)


def test_words_equal_to_the_last_reply_are_skipped_but_currency_is_regained() -> None:
    m = mapper()
    m.read_values(reply(di=(5, 1)), NOW, WriteBatch())
    m.mark_not_current(NOW + 1, WriteBatch())
    batch = WriteBatch()
    m.read_values(reply(di=(5, 1)), NOW + 2, batch)
    assert len(batch.points) == 21 and all(c.current for c in batch.points.values())


def test_only_the_bits_that_moved_in_a_changed_word_are_reported() -> None:
    m = mapper()
    m.read_values(reply(di=(0b0101, 1)), NOW, WriteBatch())
    batch = WriteBatch()
    m.read_values(reply(di=(0b0110, 1)), NOW + 1, batch)
    assert values(batch) == {10: (0.0, 0, True), 11: (1.0, 0, True)}


def test_ais_whose_word_did_not_change_get_their_sample_after_the_maximum_interval() -> None:
    m = mapper()
    m.read_values(reply(), NOW, WriteBatch())
    quiet = WriteBatch()
    m.read_values(reply(), NOW + 899_999_999, quiet)
    assert not quiet.samples and not quiet.points
    due = WriteBatch()
    m.read_values(reply(), NOW + 900_000_000, due)
    assert sorted(s.point_id for s in due.samples) == [4, 30] and not due.points


def test_relayout_forgets_removed_points_and_rereads_changed_ones() -> None:
    m = mapper()
    m.read_values(reply(), NOW, WriteBatch())
    ied = CONFIG.ieds[0]
    inverted = point(3, "di", 21, 0, port=1, bit=2, inverted=False)
    m.relayout(ComasterLayout(comaster(ied.__class__(21, 1, 5, (inverted,)))))
    batch = WriteBatch()
    m.read_values(reply(sv=bytes(6)), NOW + 1, batch)
    assert values(batch) == {3: (0.0, 0, True)}
