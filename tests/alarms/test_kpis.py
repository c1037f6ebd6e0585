"""KPIs against a hand-computed fixture of activations and acknowledgements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alarms.models import Alarm, AlarmDefinition, AlarmTransition

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # aligned on a 10-minute bucket


def add(alarm: Alarm, event: str, to_state: str, seconds: float, priority: str) -> None:
    AlarmTransition.objects.create(
        alarm=alarm,
        event=event,
        from_state="normal",
        to_state=to_state,
        time=T0 + timedelta(seconds=seconds),
        revision=1,
        priority=priority,
    )


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
