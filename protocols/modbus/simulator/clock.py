"""Simulated time: the reactor's clock, optionally accelerated, that the control interface
can move forward."""

from datetime import datetime, timedelta

from twisted.internet.interfaces import IReactorTime


class SimulatedClock:
    """Seconds of simulated time since the start, ``speed`` times as fast as the reactor's
    clock (a ``task.Clock`` in tests), plus every :meth:`advance`."""

    def __init__(self, reactor: IReactorTime, start: datetime, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("the clock speed must be positive")
        self._reactor = reactor
        self._speed = speed
        self._start = start
        self._base = reactor.seconds()
        self._advanced = 0.0

    def seconds(self) -> float:
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
