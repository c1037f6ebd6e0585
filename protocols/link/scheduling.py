"""Timing of the connection keeper: a fixed-rate poll schedule and reconnect backoff."""

from __future__ import annotations

import random
from collections.abc import Callable


class PollSchedule:
    """Fixed-rate ticks: tick *k* is due at ``start + k * interval``. Ticks that are already
    past when the schedule is asked for the next one are skipped, not made up for."""

    def __init__(self, start: float, interval: float) -> None:
        self.start = start
        self.interval = interval
        self._tick = 0

    @property
    def due(self) -> float:
        """When the current tick is (or was) due."""
        return self.start + self._tick * self.interval

    def advance(self, now: float) -> float:
        """Move to the first tick after ``now`` and the current one; return when it is due."""
        behind = int((now - self.start) // self.interval) + 1
        self._tick = max(self._tick + 1, behind)
        return self.due


class Backoff:
    """Delays between connection attempts: doubling from ``initial`` up to ``maximum``,
    each shortened by up to a quarter at random so that devices that went down together
    do not all come back in the same instant."""

    JITTER = 0.25

    def __init__(
        self, initial: float, maximum: float, random_fraction: Callable[[], float] = random.random
    ) -> None:
        self.initial = initial
        self.maximum = maximum
        self._random = random_fraction

    def delay(self, failures: int) -> float:
        """Delay before the next attempt after ``failures`` failures in a row."""
        base = min(self.maximum, self.initial * 2.0 ** min(failures, 32))
        return base * (1.0 - self.JITTER * self._random())
