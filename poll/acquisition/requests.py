"""Request feeders: code of other apps that hands work to the running sources between
polls (an operator's command, ...).

An app registers a factory at start-up (in its ``AppConfig.ready()``, e.g. the commands
app); the poller makes one feeder of each factory per run, after its sources, with the
reactor and the sources' runners by name. :meth:`RequestFeeder.start` runs once the
reactor runs, :meth:`RequestFeeder.stop` at shutdown, before the links close.
:meth:`RequestFeeder.taken_over` tells it of links this poller now runs that another may
have left in the middle of a request: all of them before a lone poller starts, the links
taken over from another poller's lease (:mod:`poll.acquisition.leases`) with several.

A feeder must keep database work off the reactor thread (the reactor never blocks on a
query): it reads and writes in a thread of its own and reaches a runner only through
``reactor.callFromThread``. Each source says how a request reaches one of its links
(e.g. :meth:`~poll.acquisition.link_runner.LinkRunner.client`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from poll.acquisition.sources import SourceRunner


class RequestFeeder(Protocol):
    def taken_over(self, units: Mapping[str, frozenset[int]] | None) -> None:
        """This poller now runs these lease units (by source name; None: every link, a
        lone poller starting), whose requests another poller may have left half done (on
        the reactor thread; must not block)."""

    def start(self) -> None:
        """Begin handing requests to the sources (on the reactor thread)."""

    def stop(self) -> None:
        """Hand no more requests (on the reactor thread; must not block)."""


FeederFactory = Callable[[Any, Mapping[str, SourceRunner]], RequestFeeder]
"""``factory(reactor, runners)``: ``runners`` are the running sources, by name."""

_factories: list[FeederFactory] = []


def register_request_feeder(factory: FeederFactory) -> None:
    """Have every poller run make one feeder with ``factory`` (once, however often it is
    registered)."""
    if factory not in _factories:
        _factories.append(factory)


def unregister_request_feeder(factory: FeederFactory) -> None:
    """Undo :func:`register_request_feeder` (for tests that plug in their own)."""
    if factory in _factories:
        _factories.remove(factory)


def request_feeder_factories() -> tuple[FeederFactory, ...]:
    """The registered factories, in registration order."""
    return tuple(_factories)
