"""KPIs against a hand-computed fixture of activations and acknowledgements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alarms import counts
from alarms.models import Alarm, AlarmDefinition, AlarmTransition

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # aligned on a 10-minute bucket


def add(alarm: Alarm, event: str, to_state: str, seconds: float, priority: str) -> None:
    """Store a journal row and its counts, as its writer does."""
    known = counts.recent(Alarm.objects.filter(pk=alarm.pk))
    row = AlarmTransition.objects.create(
        alarm=alarm,
        event=event,
        from_state="normal",
        to_state=to_state,
        time=T0 + timedelta(seconds=seconds),
        revision=1,
        priority=priority,
    )
    counts.add([row], known)


@pytest.fixture
def journal(ai_alarm):
    """Bucket 0: 12 activations of alarm A (a flood; also chattering); bucket 1: 6 (flood
    continues); bucket 2: 2 (ends it); bucket 5: 1 of alarm B. Acknowledgements of A after
    10 s and 30 s."""
    a = Alarm.objects.create(definition=ai_alarm)
    b_definition = AlarmDefinition.objects.create(
        profile_id=ai_alarm.profile_id,
        point_id=ai_alarm.point_id,
        tag="B",
        kind="hh",
        setpoint=200,
        priority="low",
        message="b",
    )
    b = Alarm.objects.create(definition=b_definition)
    for i in range(12):
        add(a, "activate", "unack", i * 20, "high")
    add(a, "acknowledge", "ack", 11 * 20 + 10, "high")
    for i in range(6):
        add(a, "activate", "unack", 600 + i * 90, "high")
    add(a, "acknowledge", "ack", 600 + 5 * 90 + 30, "high")
    add(a, "activate", "unack", 1200, "high")
    add(a, "activate", "unack", 1500, "high")
    add(b, "activate", "unack", 3000, "low")
    return a, b


def test_kpis_match_the_hand_computation(journal, client_as_viewer):
    a, b = journal
    body = client_as_viewer.get(
        "/api/alarm-kpis/", {"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()}
    ).json()
    assert body["activations"] == 21
    assert body["average_per_10_min"] == pytest.approx(21 / 6)
    assert body["peak_10_min"] == 12
    (flood,) = body["flood_episodes"]
    assert (flood["buckets"], flood["activations"]) == (2, 18)
    assert body["time_in_flood"] == pytest.approx(2 / 6)
    assert [(t["tag"], t["activations"]) for t in body["top_ten"]] == [
        (a.definition.tag, 20),
        ("B", 1),
    ]
    assert body["top_ten"][0]["share"] == pytest.approx(20 / 21)
    # 12 activations 20 s apart: activations 3..12 each have 2 predecessors within 60 s.
    assert body["chattering"] == [{"alarm": a.pk, "tag": a.definition.tag, "windows": 10}]
    assert body["priority_distribution"]["counts"] == {
        "urgent": 0,
        "high": 20,
        "medium": 0,
        "low": 1,
    }
    # Acknowledged after 10 s and 30 s: nearest-rank median and p90.
    assert body["time_to_acknowledge"] == {"median_s": 10.0, "p90_s": 30.0, "count": 2}


def test_kpis_need_a_role_and_a_valid_period(journal, client, client_as_viewer):
    assert client.get(
        "/api/alarm-kpis/", {"start": T0.isoformat(), "end": T0.isoformat()}
    ).status_code in (401, 403)
    bad = client_as_viewer.get("/api/alarm-kpis/", {"start": T0.isoformat(), "end": T0.isoformat()})
    assert bad.status_code == 400


def _compute(start_s: float, end_s: float) -> dict:
    from alarms.kpis import Period, compute

    return compute(Period(T0 + timedelta(seconds=start_s), T0 + timedelta(seconds=end_s)))


def test_a_period_cut_inside_buckets_counts_the_edges_from_the_journal(journal):
    # Bucket 0 from 100 s: activations at 100..220 s (7); bucket 1 whole (6); 1200 s (1).
    kpis = _compute(100, 1250)
    assert kpis["activations"] == 14
    assert kpis["peak_10_min"] == 7
    assert kpis["priority_distribution"]["counts"]["high"] == 14
    # Inside one bucket: 40, 60, 80, 100 and 120 s.
    assert _compute(30, 130)["activations"] == 5


def test_whole_days_read_the_stored_counts_and_agree_with_the_journal(journal):
    a, _ = journal
    day = 86_400
    for start, end in [(-day, 2 * day), (0, day), (-30, day + 30), (100, 1250)]:
        kpis = _compute(start, end)
        expected = 14 if (start, end) == (100, 1250) else 21
        assert kpis["activations"] == expected
        # From 100 s: 100..220 s, of which 140..220 s have 2 predecessors within 60 s.
        windows = 5 if (start, end) == (100, 1250) else 10
        assert kpis["chattering"] == [{"alarm": a.pk, "tag": a.definition.tag, "windows": windows}]
        assert kpis["top_ten"][0]["activations"] == expected - (0 if expected == 14 else 1)


def test_a_batch_of_journal_rows_is_counted_per_bucket_priority_day_and_alarm(ai_alarm):
    from alarms.models import ActivationCount, AlarmDayCount

    alarm = Alarm.objects.create(definition=ai_alarm)
    rows = [
        AlarmTransition(
            alarm=alarm, event=event, from_state="normal", to_state=state,
            time=T0 + timedelta(seconds=seconds), revision=1, priority="high",
        )
        for event, state, seconds in [
            ("activate", "unack", 0), ("activate", "unack", 10), ("clear", "rtn_unack", 20),
            ("activate", "unack", 599), ("activate", "unack", 600),
        ]
    ]  # fmt: skip
    AlarmTransition.objects.bulk_create(rows)
    counts.add(rows, {})
    add(alarm, "activate", "unack", 630, "high")  # its second predecessor, 599 s, is 31 s before
    seconds = int((T0 - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    stored = ActivationCount.objects.order_by("bucket")
    assert [(c.bucket - seconds // 600, c.priority, c.activations) for c in stored] == [
        (0, "high", 3),
        (1, "high", 2),
    ]
    (day,) = AlarmDayCount.objects.filter(alarm=alarm)
    assert (day.day, day.activations, day.chattering) == (seconds // 86_400, 5, 1)
