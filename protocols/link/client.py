"""What every field client built on a :class:`~.keeper.Keeper` offers and forwards alike.

A field client subclasses :class:`FieldClient`, creates its keeper with itself as the
conversation, and writes only the hooks that are its protocol's; the do-nothing defaults
here are for the reports a protocol has no use for.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from twisted.internet.defer import Deferred

from .keeper import Keeper

R = TypeVar("R")
A = TypeVar("A")


class LinkSink(Protocol):
    """The reports every field client's sink takes as they come from the keeper."""

    def link_down(self, reason: str) -> None: ...

    def reconnect_scheduled(self, delay: float) -> None: ...


class FieldClient(Generic[R, A]):
    """The base of a field client: started, stopped and asked whether connected by its
    owner, while its keeper does the work."""

    sink: LinkSink
    _keeper: Keeper[R, A]

    @property
    def connected(self) -> bool:
        return self._keeper.connected

    def start(self) -> None:
        """Connect and keep polling until :meth:`stop`."""
        self._keeper.start()

    def stop(self) -> Deferred[None]:
        """Stop polling and close the connection; the Deferred fires once it is closed."""
        return self._keeper.stop()

    # Conversation hooks the same for every client, or of no use to some.

    def link_down(self, reason: str) -> None:
        self.sink.link_down(reason)

    def reconnect_scheduled(self, delay: float) -> None:
        self.sink.reconnect_scheduled(delay)

    def try_sent(self, request: R, attempt: int, lateness: float | None) -> None:
        pass

    def cycle_completed(self, lateness: float, duration: float) -> None:
        pass

    def link_lost(self, detail: str) -> None:
        pass
