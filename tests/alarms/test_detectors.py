"""Limits with deadband and on/off delays, and digital states, against sequences of values."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from alarms.detectors import Detector, Kind, Limit

S = 1_000_000  # micros per second


def changes(limit: Limit, values: Sequence[tuple[float, float]]) -> list[tuple[float, bool]]:
    detector = Detector(limit)
    out = []
    for seconds, value in values:
        became = detector.feed(int(seconds * S), value)
        if became is not None:
            out.append((seconds, became))
    return out


def test_high_limit_with_deadband() -> None:
    limit = Limit(Kind.H, 100.0, deadband=5.0)
    values = [(0, 99), (1, 101), (2, 97), (3, 96), (4, 94.9), (5, 100), (6, 100.5)]
    assert changes(limit, values) == [(1, True), (4, False), (6, True)]


def test_low_low_limit_with_deadband() -> None:
    limit = Limit(Kind.LL, 10.0, deadband=1.0)
    assert changes(limit, [(0, 12), (1, 9), (2, 10.5), (3, 11.5)]) == [(1, True), (3, False)]


def test_on_delay_ignores_a_short_excursion() -> None:
    limit = Limit(Kind.HH, 50.0, on_delay_s=5)
    values = [(0, 60), (3, 60), (4, 40), (10, 60), (14, 61), (15, 62), (16, 40)]
    assert changes(limit, values) == [(15, True), (16, False)]


def test_off_delay_holds_the_alarm() -> None:
    limit = Limit(Kind.L, 5.0, off_delay_s=2)
    values = [(0, 4), (1, 6), (2, 4), (3, 6), (4, 6), (5, 6)]
    assert changes(limit, values) == [(0, True), (5, False)]


@pytest.mark.parametrize("abnormal", [0.0, 1.0])
def test_digital_abnormal_state(abnormal: float) -> None:
    limit = Limit(Kind.DIGITAL, abnormal)
    values = [(0, 1 - abnormal), (1, abnormal), (2, abnormal), (3, 1 - abnormal)]
    assert changes(limit, values) == [(1, True), (3, False)]
