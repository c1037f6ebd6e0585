"""A point's history policy as the poller applies it: three numbers, read once per
configuration, so that deciding on a sample costs a few comparisons (docs/history.md).

The modes of :class:`~poll.models.points.HistoryMode` all become one rule, "a sample when
the value moved more than ``deadband`` since the last sample": on change is a deadband of 0
(any difference), every reading a negative one (any value at all), and a deadband in % of
the span is turned into engineering units here. A point whose history is off has no policy.
"""

from __future__ import annotations

from typing import NamedTuple

from poll.models.points import HistoryMode, Point

MICROS = 1_000_000
EVERY_READING = -1.0
"""The deadband of "every reading": no difference is ever within it."""


class HistoryPolicy(NamedTuple):
    deadband: float
    """Engineering units; 0: any change; negative: every reading."""
    min_us: int
    """No sample of a moved value sooner than this after the last sample (quality changes
    and no-data marks are always kept)."""
    max_us: int
    """A sample when this passed since the last one, even with a flat value; 0: never."""

    @property
    def every(self) -> bool:
        return self.deadband < 0


def history_policy(point: Point) -> HistoryPolicy | None:
    """What the poller keeps of ``point``; None when its history is off."""
    mode = point.history_mode
    if mode == HistoryMode.OFF:
        return None
    max_us = round(point.history_max_interval * MICROS)
    if mode == HistoryMode.EVERY:
        return HistoryPolicy(EVERY_READING, 0, max_us)
    min_us = round(point.history_min_interval * MICROS)
    if mode == HistoryMode.CHANGE:
        return HistoryPolicy(0.0, min_us, max_us)
    deadband = point.deadband
    if point.deadband_percent:
        span = point.span
        deadband = deadband / 100 * span if span is not None else 0.0
    return HistoryPolicy(deadband, min_us, max_us)
