"""Simulated time: the reactor's clock, optionally accelerated, that a simulator can move.

Every simulated device reads its time here, so that tests drive a whole field from one
``task.Clock`` and the demo can run a day in minutes. A Mara COMaster sets it on a time
set; the Modbus control interface moves it forward.
"""

from datetime import datetime, timedelta

from twisted.internet.interfaces import IReactorTime


class SimulatedClock:
    """Seconds of simulated time since the start, ``speed`` times as fast as the reactor's
    clock (a ``task.Clock`` in tests), plus every :meth:`advance`; and the date and time
    they stand for, which a time set moves."""

    def __init__(self, reactor: IReactorTime, start: datetime, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("the clock speed must be positive")
        self._reactor = reactor
        self._speed = speed
        self._start = start
        self._base = reactor.seconds()
        self._advanced = 0.0

    def seconds(self) -> float:
        """Simulated seconds since the start (a time set does not change them)."""
        return (self._reactor.seconds() - self._base) * self._speed + self._advanced

    def now(self) -> datetime:
        return self.at(self.seconds())

    def at(self, seconds: float) -> datetime:
        """The simulated date and time ``seconds`` after the start."""
        return self._start + timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` ahead: the devices integrate over the jump when next asked."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._advanced += seconds

    def set(self, when: datetime) -> None:
        """Make it ``when`` now, as a time set does; the clock runs on from there."""
        self._start = when - timedelta(seconds=self.seconds())
