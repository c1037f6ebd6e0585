"""Faults a simulated field device can inject, and what they do to each reply.

The Mara and Modbus simulators share them: flipping a reply's last byte breaks a Mara BCC
and a Modbus CRC alike.

Nothing here touches a socket: :meth:`FaultInjector.deliver` turns a reply into a
:class:`Delivery` (what to write, in which pieces, after which delay, or to close the
connection instead), and the server carries it out.
"""

import dataclasses
import math
import random
from dataclasses import dataclass
from typing import Any

from twisted.internet.interfaces import IReactorTime

MAX_GARBAGE = 16
"""Longest run of random bytes put before a reply."""

_PROBABILITIES = frozenset({"drop", "corrupt", "garbage"})


@dataclass(frozen=True)
class FaultSettings:
    """Which faults to inject; all off by default."""

    drop: float = 0.0
    """Probability that a reply is not sent at all."""
    delay: float = 0.0
    """Seconds to wait before sending each reply."""
    corrupt: float = 0.0
    """Probability that a reply goes out with a wrong checksum (BCC or CRC)."""
    split: int = 0
    """Send each reply in writes of at most this many bytes (0: in one write)."""
    garbage: float = 0.0
    """Probability that random bytes are written before a reply."""
    close_every: int = 0
    """Close the connection instead of answering every N-th request on it (0: never)."""
    stall_every: int = 0
    """After every N-th request, stop answering for ``stall_for`` seconds (0: never)."""
    stall_for: float = 0.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            whole = field.type is int
            if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
                kind = "int" if whole else "float"
                raise ValueError(f"{field.name} must be a {kind}, not {value!r}")
            if value < 0:
                raise ValueError(f"{field.name} cannot be negative")
            if field.name in _PROBABILITIES and value > 1:
                raise ValueError(f"{field.name} is a probability, within 0..1")

    def changed(self, changes: dict[str, Any]) -> "FaultSettings":
        """These settings with ``changes`` applied; unknown names are an error."""
        names = {field.name for field in dataclasses.fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Delivery:
    """How one reply reaches the wire."""

    writes: tuple[bytes, ...]
    """Separate writes, in order."""
    delay: float = 0.0
    close: bool = False
    """Close the connection instead of writing."""


class FaultInjector:
    """The faults of one simulated device: settings, silence, and their effect."""

    def __init__(self, settings: FaultSettings, rng: random.Random, reactor: IReactorTime) -> None:
        self.settings = settings
        self._rng = rng
        self._reactor = reactor
        self._silent_until: float | None = None
        self._requests = 0
        self.ignored_requests = 0
        """Requests that arrived while the device was not answering."""

    @property
    def silent(self) -> bool:
        """Whether the device is not answering at all right now."""
        return self._silent_until is not None and self._reactor.seconds() < self._silent_until

    def stop(self, seconds: float | None = None) -> None:
        """Stop answering, for ``seconds`` or until :meth:`resume`."""
        self._silent_until = math.inf if seconds is None else self._reactor.seconds() + seconds

    def resume(self) -> None:
        self._silent_until = None

    def admit(self) -> bool:
        """Whether a request that just arrived is handled at all (not during silence;
        the N-th request of ``stall_every`` starts a silence and is not handled)."""
        if self.silent:
            self.ignored_requests += 1
            return False
        self._requests += 1
        every = self.settings.stall_every
        if every and self._requests % every == 0:
            self.stop(self.settings.stall_for)
            self.ignored_requests += 1
            return False
        return True

    def deliver(self, reply: bytes, request_number: int) -> Delivery | None:
        """What becomes of ``reply``, the answer to the ``request_number``-th request
        (counted from 1) on its connection; ``None`` when it is dropped."""
        settings = self.settings
        if settings.close_every and request_number % settings.close_every == 0:
            return Delivery(writes=(), close=True)
        if self._chance(settings.drop):
            return None
        if self._chance(settings.corrupt):
            reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
        if self._chance(settings.garbage):
            reply = self._rng.randbytes(self._rng.randint(1, MAX_GARBAGE)) + reply
        size = settings.split or len(reply)
        writes = tuple(reply[start : start + size] for start in range(0, len(reply), size))
        return Delivery(writes=writes, delay=settings.delay)

    def _chance(self, probability: float) -> bool:
        return probability > 0 and self._rng.random() < probability
