"""The simulated field behind one COMaster: DIs that flip, AIs that wander, energy that
accumulates into 15-minute periods.

Time is simulated time (the COMaster's clock), passed in by the caller; the events that
happened up to a given time are worked out when asked, in time order, so they do not
depend on how often they are asked for. The AIs wander in one step per reading (a poll)
and at each energy period's end, not at every event: a thousand COMasters' fields are
simulated in one process, and a step per event tripled its cost.

Besides its random flips a DI can flip at set moments after the start (``sim.opening``):
the opening scene, which gives a demo its first breaker operations and protection trips
within a minute. A time set moves the scene with the clock, so it still plays in the
field's first minute.
"""

import heapq
import math
import random
from collections import deque
from datetime import datetime, timedelta

from ..constants import EnergyCode
from ..messages import AnalogValue, DigitalEvent, EnergyEvent, Event
from .profile import RAW_MAX, AnalogPoint, ComasterProfile, DigitalPoint

PERIOD = timedelta(minutes=15)
WANDER_TIME_CONSTANT = 300.0
"""Seconds over which an AI's deviation from its starting value is mostly forgotten."""
LAST_PERIOD_STAMP = timedelta(minutes=1)
"""The day's last period and the day's total are stamped 23:59 of that day."""
MAX_ENERGY_VALUE = 0xFFFFFF


def period_end_after(when: datetime) -> datetime:
    """The first 15-minute boundary strictly after ``when``."""
    midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
    periods = (when - midnight) // PERIOD
    return midnight + (periods + 1) * PERIOD


class SimulatedField:
    """Point values of one COMaster and the events their changes produce."""

    def __init__(self, profile: ComasterProfile, start: datetime, rng: random.Random) -> None:
        self._rng = rng
        self._digital = {point.tag: point for point in profile.digital}
        self._analog = {point.tag: point for point in profile.analog}
        self._values = {point.tag: point.value for point in profile.digital}
        self._levels = {point.tag: float(point.raw) for point in profile.analog}
        self._qualifiers = {point.tag: 0 for point in profile.analog}
        self._held: set[str] = set()
        self._channels = [point for point in profile.analog if point.channel is not None]
        self._period_energy = {point.tag: 0.0 for point in self._channels}
        self._day_energy = {point.tag: 0 for point in self._channels}
        self._analog_time = start
        self._last_period_end: datetime | None = None
        self._flips: list[tuple[datetime, int, str]] = []
        self._opening = deque(
            sorted(
                (start + timedelta(seconds=second), order, point.tag)
                for order, point in enumerate(profile.digital)
                for second in point.opening
            )
        )
        self.restart(start)

    # --- reading -----------------------------------------------------------------------

    def digital_value(self, tag: str) -> int:
        return self._values[tag]

    def analog_value(self, tag: str) -> AnalogValue:
        return AnalogValue(self._qualifiers[tag], self._raw(tag))

    def di_words(self) -> tuple[int, ...]:
        """The DI section: DI number n is bit n % 16 of word n // 16, as sent (mask applied)."""
        words = [0] * math.ceil(len(self._digital) / 16)
        for number, point in enumerate(self._digital.values()):
            words[number // 16] |= self._wire_bit(point) << (number % 16)
        return tuple(words)

    def ai_values(self, now: datetime) -> tuple[AnalogValue, ...]:
        """The AI section at ``now``: the AIs wander up to then first."""
        self._evolve_analog(now)
        return tuple(self.analog_value(tag) for tag in self._analog)

    # --- time --------------------------------------------------------------------------

    def restart(self, now: datetime) -> None:
        """Take up the simulation at ``now`` after the clock jumped: nothing is made up
        for the jump, an energy period already closed is not closed again, and what is
        left of the opening scene moves with the clock."""
        jump = now - self._analog_time
        self._opening = deque((when + jump, order, tag) for when, order, tag in self._opening)
        self._analog_time = now
        resume = now if self._last_period_end is None else max(now, self._last_period_end)
        self._next_period_end = period_end_after(resume)
        self._flips = []
        for order, point in enumerate(self._digital.values()):
            if point.flips_per_hour > 0:
                heapq.heappush(self._flips, (self._next_flip(point, now), order, point.tag))

    def advance(self, now: datetime) -> list[Event]:
        """Everything that happened up to ``now``, as events in time order."""
        events: list[Event] = []
        while True:
            flip_time = self._flips[0][0] if self._flips else None
            period_end = self._next_period_end if self._channels else None
            scene_time = self._opening[0][0] if self._opening else None
            candidates = [t for t in (period_end, flip_time, scene_time) if t is not None]
            if not candidates or min(candidates) > now:
                break
            when = min(candidates)
            if when == period_end:
                self._evolve_analog(when)  # the period's energy, up to its end
                events.extend(self._close_period(when))
            elif when == flip_time:
                _, order, tag = heapq.heappop(self._flips)
                point = self._digital[tag]
                events.append(self._change(point, 1 - self._values[tag], when))
                heapq.heappush(self._flips, (self._next_flip(point, when), order, tag))
            else:
                _, _, tag = self._opening.popleft()
                events.append(self._change(self._digital[tag], 1 - self._values[tag], when))
        return events

    # --- changes from outside ----------------------------------------------------------

    def set_digital(self, tag: str, value: int, now: datetime) -> list[Event]:
        """Set a DI's value (mask already applied); a change gives its digital event."""
        if value == self._values[tag]:
            return []
        return [self._change(self._digital[tag], value, now)]

    def wired(self, port: int, bit: int) -> bool:
        """Whether any DI is wired to ``port``/``bit``."""
        return any((p.port, p.bit) == (port, bit) for p in self._digital.values())

    def drive_port(
        self, port: int, bit: int, state: int, now: datetime
    ) -> tuple[bool, list[Event]]:
        """A port command: every DI wired to ``port``/``bit`` takes the wire state ``state``
        (a Mara command names no IED). Returns whether any DI is wired there, and the
        events of the DIs that changed."""
        points = [p for p in self._digital.values() if (p.port, p.bit) == (port, bit)]
        events: list[Event] = []
        for point in points:
            value = state ^ point.inverted
            if value != self._values[point.tag]:
                events.append(self._change(point, value, now))
        return bool(points), events

    def set_analog(self, tag: str, raw: int, now: datetime, q: int = 0, hold: bool = True) -> None:
        """Set an AI's raw value and qualifier at ``now``; held, it stays there, otherwise
        it wanders on from there."""
        self._evolve_analog(now)  # the energy so far, at the value it had
        self._levels[tag] = float(raw)
        self._qualifiers[tag] = q
        if hold:
            self._held.add(tag)
        else:
            self._held.discard(tag)

    # --- inner workings ----------------------------------------------------------------

    def _raw(self, tag: str) -> int:
        return min(RAW_MAX, max(0, round(self._levels[tag])))

    def _wire_bit(self, point: DigitalPoint) -> int:
        return self._values[point.tag] ^ point.inverted

    def _change(self, point: DigitalPoint, value: int, when: datetime) -> DigitalEvent:
        self._values[point.tag] = value
        return DigitalEvent(
            ied=point.ied_address,
            q=0,
            status=self._wire_bit(point),
            port=point.port,
            bit=point.bit,
            time=when,
        )

    def _next_flip(self, point: DigitalPoint, after: datetime) -> datetime:
        hours = self._rng.expovariate(point.flips_per_hour)
        return after + timedelta(hours=hours)

    def _evolve_analog(self, until: datetime) -> None:
        """Accumulate energy and let the AIs wander from the last evolution to ``until``."""
        seconds = (until - self._analog_time).total_seconds()
        if seconds <= 0:
            return
        self._analog_time = until
        for point in self._channels:
            self._period_energy[point.tag] += self._raw(point.tag) * seconds
        keep = math.exp(-seconds / WANDER_TIME_CONSTANT)
        noise = math.sqrt(1 - keep * keep)
        for point in self._analog.values():
            if point.tag not in self._held:
                self._levels[point.tag] = self._wander(point, keep, noise)

    def _wander(self, point: AnalogPoint, keep: float, noise: float) -> float:
        """One exact step of a mean-reverting random walk around the starting value."""
        deviation = (self._levels[point.tag] - point.raw) * keep
        level = point.raw + deviation + point.spread * noise * self._rng.gauss(0.0, 1.0)
        return min(float(RAW_MAX), max(0.0, level))

    def _close_period(self, end: datetime) -> list[Event]:
        """Energy events for the period ending at ``end``; at midnight the day's last
        period (code 1) and the day's total (code 3), both stamped 23:59."""
        self._last_period_end = end
        self._next_period_end = end + PERIOD
        day_ends = end.hour == 0 and end.minute == 0
        stamp = end - LAST_PERIOD_STAMP if day_ends else end
        code = EnergyCode.LAST_PERIOD_OF_DAY if day_ends else EnergyCode.PERIOD
        events: list[Event] = []
        for point in self._channels:
            value = min(MAX_ENERGY_VALUE, round(self._period_energy[point.tag] / PERIOD.seconds))
            self._period_energy[point.tag] = 0.0
            self._day_energy[point.tag] += value
            events.append(self._energy_event(point, code, stamp, value))
        if day_ends:
            for point in self._channels:
                total = min(MAX_ENERGY_VALUE, self._day_energy[point.tag])
                self._day_energy[point.tag] = 0
                events.append(self._energy_event(point, EnergyCode.DAY_TOTAL, stamp, total))
        return events

    @staticmethod
    def _energy_event(point: AnalogPoint, code: int, stamp: datetime, value: int) -> EnergyEvent:
        return EnergyEvent(
            ied=point.ied_address,
            q=0,
            channel=point.channel or 0,
            code=int(code),
            time=stamp,
            value=value,
        )
