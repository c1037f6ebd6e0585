"""When a point's values make an alarm condition true or false: limits with a deadband and
on/off delays, and digital abnormal states. Pure and sans-I/O: fed (field time, value)
pairs, it answers the condition's changes.

Delays are judged on field times, when values arrive: a condition that has held for the
on-delay becomes active with the first value at or after ``pending since + on_delay`` (and
that value's field time), so a value that comes back before the delay never raises the
alarm. The poller produces values at every poll, so the delay is late by at most one poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MICROS_PER_SECOND = 1_000_000


class Kind(StrEnum):
    HH = "hh"
    H = "h"
    L = "l"
    LL = "ll"
    DIGITAL = "digital"


@dataclass(frozen=True, slots=True)
class Limit:
    """What makes a value abnormal: above (HH, H) or below (L, LL) ``setpoint``, back to
    normal past ``deadband``; or, for a digital point, equal to ``setpoint`` (0 or 1)."""

    kind: Kind
    setpoint: float
    deadband: float = 0.0
    on_delay_s: float = 0.0
    off_delay_s: float = 0.0

    def abnormal(self, value: float, active: bool) -> bool:
        """Whether ``value`` is abnormal, given whether the alarm is ``active`` now (the
        deadband applies only to leaving the alarm)."""
        kind = self.kind  # compared by identity: an enum's hash is Python code, and slow
        if kind is Kind.DIGITAL:
            return (value != 0) == (self.setpoint != 0)
        band = self.deadband if active else 0.0
        if kind is Kind.HH or kind is Kind.H:
            return value > self.setpoint - band
        return value < self.setpoint + band


@dataclass(slots=True)
class Detector:
    """One alarm's condition over time: ``active`` as last decided, and since when (field
    micros) the opposite has held while a delay runs."""

    limit: Limit
    active: bool = False
    pending_since: int | None = None

    def feed(self, at: int, value: float) -> bool | None:
        """Take a value of field time ``at`` (micros); answer the new condition if it
        changed, else None."""
        if self.limit.abnormal(value, self.active) == self.active:
            self.pending_since = None
            return None
        delay = self.limit.off_delay_s if self.active else self.limit.on_delay_s
        if self.pending_since is None:
            self.pending_since = at
        if at - self.pending_since < delay * MICROS_PER_SECOND:
            return None
        self.active, self.pending_since = not self.active, None
        return self.active
