"""History policies as PointStates applies them, against value sequences: deadband (absolute
and % of the span), heartbeat, minimum interval, every reading, off, DI on change, quality
changes, no-data marks on a communication loss. Plain Python, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from poll.acquisition.batch import SampleRow, WriteBatch
from poll.acquisition.history_policy import HistoryPolicy, history_policy
from poll.acquisition.mara.config import IedSpec
from poll.acquisition.mara.layout import ComasterLayout
from poll.acquisition.mara.mapping import ReplyMapper
from poll.acquisition.point_states import NO_DATA, PointStates
from poll.models.points import AI, DI, SV, HistoryMode
from protocols.mara import AnalogValue
from tests.poll.acquisition.test_mapping import MADRID, NOW, comaster, point, reply

S = 1_000_000  # one second in microseconds
P = 7  # the point's id


def policy(deadband: float = 0.0, min_s: float = 0, max_s: float = 900) -> HistoryPolicy:
    return HistoryPolicy(deadband, int(min_s * S), int(max_s * S))


def run(
    states: PointStates, readings: Sequence[tuple[float, float] | tuple[float, float, int]]
) -> list[tuple[float, float | None, int]]:
    """Feed (seconds, value[, q]) readings; the samples as (seconds, value, q)."""
    batch = WriteBatch()
    for reading in readings:
        seconds, value, q = (*reading, 0)[:3]
        states.update(P, value, int(q), int(seconds * S), batch)
    return [(row.time / S, row.value, row.q) for row in batch.samples]


def test_absolute_deadband_compares_with_the_last_sample_not_the_last_reading() -> None:
    states = PointStates({P: policy(0.5)})
    readings = [(0, 10.0), (1, 10.3), (2, 10.6), (3, 10.4), (4, 10.2), (5, 11.2), (6, 11.7)]
    # 10.6 moved 0.6 from 10.0; 10.2 moved only 0.4 from 10.6; 11.2 moved 0.6; 11.7 exactly 0.5
    assert [value for _, value, _ in run(states, readings)] == [10.0, 10.6, 11.2]


@pytest.mark.parametrize(
    ("low", "high", "percent", "absolute"), [(0.0, 200.0, 5.0, 10.0), (-50.0, 50.0, 1.0, 1.0)]
)
def test_a_deadband_in_percent_of_the_span_becomes_engineering_units(
    low: float, high: float, percent: float, absolute: float
) -> None:
    point = AI(deadband=percent, deadband_percent=True, low_limit=low, high_limit=high)
    made = history_policy(point)
    assert made == HistoryPolicy(absolute, 0, 900 * S)
    states = PointStates({P: made})
    readings = [(0, 0.0), (1, absolute), (2, absolute * 1.01)]
    assert [value for _, value, _ in run(states, readings)] == [0.0, absolute * 1.01]


def test_the_heartbeat_samples_a_flat_value_every_maximum_interval() -> None:
    states = PointStates({P: policy(1.0, max_s=60)})
    readings = [(t, 5.0) for t in range(0, 200, 10)]
    assert [t for t, _, _ in run(states, readings)] == [0, 60, 120, 180]


def test_no_heartbeat_with_a_maximum_interval_of_zero() -> None:
    states = PointStates({P: policy(1.0, max_s=0)})
    assert len(run(states, [(t, 5.0) for t in range(0, 5000, 100)])) == 1


def test_the_minimum_interval_holds_back_moves_but_the_held_back_value_is_written() -> None:
    states = PointStates({P: policy(0.0, min_s=10)})
    readings = [(0, 1.0), (2, 2.0), (4, 3.0), (11, 3.0), (12, 4.0), (30, 4.0)]
    # 2.0 and 3.0 came too soon; at 11 s 3.0 is still away from the last sample: written.
    assert run(states, readings) == [(0, 1.0, 0), (11, 3.0, 0), (30, 4.0, 0)]


def test_a_held_back_move_of_a_value_read_no_more_is_written_by_sample_due() -> None:
    """Sources that skip unchanged values (a Mara reply word equal to the last) never read
    the point again; the time pass writes the held-back value when the interval is over."""
    states = PointStates({P: policy(0.0, min_s=10, max_s=600)})
    batch = WriteBatch()
    states.update(P, 1.0, 0, 0, batch)
    states.update(P, 2.0, 0, 3 * S, batch)
    assert states.samples_due == 10 * S
    states.sample_due(9 * S, batch)
    assert [row.value for row in batch.samples] == [1.0]
    states.sample_due(10 * S, batch)
    assert [(row.time, row.value) for row in batch.samples] == [(0, 1.0), (10 * S, 2.0)]
    assert states.samples_due == 610 * S  # the next heartbeat


def test_sample_due_writes_heartbeats_of_points_whose_values_were_skipped() -> None:
    states = PointStates({P: policy(0.5, max_s=60), 8: policy(max_s=30)})
    batch = WriteBatch()
    states.update(P, 1.0, 0, 0, batch)
    states.update(8, 1.0, 0, 0, batch)
    assert states.samples_due == 30 * S
    states.sample_due(30 * S, batch)
    assert [(row.point_id, row.time) for row in batch.samples[2:]] == [(8, 30 * S)]
    assert states.samples_due == 60 * S


def test_every_reading_is_a_sample_even_unchanged() -> None:
    made = history_policy(AI(history=HistoryMode.EVERY, deadband=5.0))
    assert made == HistoryPolicy(-1.0, 0, 900 * S)
    states = PointStates({P: made})
    readings = [(0, 100.0), (1, 100.0), (2, 100.0), (3, 101.0)]
    assert [t for t, _, _ in run(states, readings)] == [0, 1, 2, 3]


def test_every_reading_of_a_skipped_value_comes_from_sample_due_once_per_reading() -> None:
    states = PointStates({P: policy(-1.0)})
    batch = WriteBatch()
    states.update(P, 100.0, 0, 0, batch)
    states.sample_due(0, batch)  # already sampled at this reading
    states.sample_due(S, batch)  # the next reading skipped the unchanged value
    assert [row.time for row in batch.samples] == [0, S]
    assert states.samples_due == S  # due again at the next reading


def test_off_keeps_nothing_not_even_a_no_data_mark() -> None:
    assert history_policy(AI(history=HistoryMode.OFF)) is None
    states = PointStates({})
    batch = WriteBatch()
    states.update(P, 1.0, 0, 0, batch)
    states.update(P, 2.0, 1, S, batch)
    states.lose(P, 2 * S, batch)
    states.sample_due(3600 * S, batch)
    assert not batch.samples and len(batch.points) == 1


@pytest.mark.parametrize("kind", [DI, SV])
def test_a_di_or_sv_keeps_every_change_by_default(kind: type[DI] | type[SV]) -> None:
    made = history_policy(kind())
    assert made == HistoryPolicy(0.0, 0, 900 * S)
    states = PointStates({P: made})
    readings = [(0, 0.0), (1, 0.0), (2, 1.0), (3, 1.0), (4, 0.0), (5, 1.0)]
    assert run(states, readings) == [(0, 0.0, 0), (2, 1.0, 0), (4, 0.0, 0), (5, 1.0, 0)]


def test_an_ai_keeps_its_deadband_by_default() -> None:
    assert history_policy(AI(deadband=0.25)) == HistoryPolicy(0.25, 0, 900 * S)


def test_a_quality_change_is_kept_inside_the_deadband_and_the_minimum_interval() -> None:
    states = PointStates({P: policy(10.0, min_s=60)})
    readings = [(0, 5.0, 0), (1, 5.0, 1), (2, 5.1, 1), (3, 5.1, 0)]
    assert run(states, readings) == [(0, 5.0, 0), (1, 5.0, 1), (3, 5.1, 0)]


def test_a_communication_loss_writes_one_no_data_mark_and_the_next_reading_is_sampled() -> None:
    states = PointStates({P: policy(10.0, min_s=60)})
    batch = WriteBatch()
    states.update(P, 5.0, 0, 0, batch)
    states.lose(P, 2 * S, batch)
    states.lose(P, 3 * S, batch)  # still lost: no second mark
    states.sample_due(4000 * S, batch)  # a lost point has no heartbeat
    states.update(P, 5.0, 0, 5 * S, batch)  # back, same value, inside the minimum interval
    assert batch.samples == [
        SampleRow(P, 0, 5.0, 0),
        SampleRow(P, 2 * S, None, NO_DATA),
        SampleRow(P, 5 * S, 5.0, 0),
    ]
    assert batch.points[P].current


def test_a_point_never_read_gets_no_mark_when_its_source_is_lost() -> None:
    states = PointStates({P: policy()})
    batch = WriteBatch()
    states.lose(P, 0, batch)
    assert not batch.samples and not batch.points[P].current


def test_forgetting_samples_again_and_a_new_configuration_applies_new_policies() -> None:
    states = PointStates({P: policy(10.0)})
    batch = WriteBatch()
    states.update(P, 1.0, 0, 0, batch)
    states.keep_only({P}, {P: policy(0.5)})
    states.update(P, 2.0, 0, S, batch)
    states.keep_only({P}, {})
    states.update(P, 9.0, 0, 2 * S, batch)
    states.clear()
    states.keep_only({P}, {P: policy(10.0)})
    states.update(P, 9.0, 0, 3 * S, batch)
    assert [row.time for row in batch.samples] == [0, S, 3 * S]


def test_a_mara_reply_samples_di_changes_every_reading_and_skipped_heartbeats() -> None:
    """Through the Mara mapper, which skips words equal to the last reply's."""
    di = replace(point(3, "di", 21, 0, port=0, bit=0), history=policy(max_s=60))
    every = replace(point(4, "ai", 21, 0), history=policy(-1.0))
    flat = replace(point(5, "ai", 21, 1), history=policy(1.0, max_s=60))

    mapper = ReplyMapper(ComasterLayout(comaster(IedSpec(21, 0, 1, (di, every, flat)))), MADRID)
    ais = (AnalogValue(0, 7), AnalogValue(0, 9))
    batch = WriteBatch()
    for second, word in [(0, 0), (1, 0), (2, 1), (3, 1), (61, 1), (62, 0)]:
        mapper.read_values(reply(sv=bytes(6), di=(word,), ai=ais), NOW + second * S, batch)
    samples = [(row.point_id, (row.time - NOW) // S, row.value) for row in batch.samples]
    assert [(t, v) for p, t, v in samples if p == 3] == [(0, 0.0), (2, 1.0), (62, 0.0)]
    assert [t for p, t, _ in samples if p == 4] == [0, 1, 2, 3, 61, 62]
    assert [t for p, t, _ in samples if p == 5] == [0, 61]
