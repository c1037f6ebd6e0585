"""The COMaster's own clock: reactor time, optionally accelerated, set by time-set frames."""

from datetime import datetime, timedelta

from twisted.internet.interfaces import IReactorTime


class SimulatedClock:
    """Local time of a simulated COMaster.

    It runs ``speed`` times as fast as the reactor's clock (a ``task.Clock`` in tests)
    and jumps when a time set arrives.
    """

    def __init__(self, reactor: IReactorTime, start: datetime, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("the clock speed must be positive")
        self._reactor = reactor
        self._speed = speed
        self._base = start
        self._base_seconds = reactor.seconds()

    def now(self) -> datetime:
        elapsed = (self._reactor.seconds() - self._base_seconds) * self._speed
        return self._base + timedelta(seconds=elapsed)

    def set(self, when: datetime) -> None:
        self._base = when
        self._base_seconds = self._reactor.seconds()
