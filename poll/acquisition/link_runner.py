"""Keeping one client running per enabled link of a source, as its configuration changes.

:class:`LinkRunner` is the part of a :class:`~poll.acquisition.sources.SourceRunner` every
source shares: it diffs each new configuration against what runs (a link removed,
disabled or no longer selected is stopped and goes offline; a new one starts, carrying on
the counters last written; a changed one is handed to the source's ``_update``), journals
the counters that changed without an answer, and stops everything at the end. A source
says how to make a recorder and a client, and what a change of configuration needs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from twisted.internet.defer import Deferred

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.link_recorder import LinkRecorder
from poll.acquisition.sources import SourceContext


class LinkConfig(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


class Client(Protocol):
    def start(self) -> None: ...

    def stop(self) -> Deferred[None]: ...


ConfigT = TypeVar("ConfigT", bound=LinkConfig)
RecorderT = TypeVar("RecorderT", bound=LinkRecorder)
ClientT = TypeVar("ClientT", bound=Client)


@dataclass
class Running(Generic[ConfigT, RecorderT, ClientT]):
    config: ConfigT
    recorder: RecorderT
    client: ClientT


class LinkRunner(ABC, Generic[ConfigT, RecorderT, ClientT]):
    """Keeps one client running per link of the configuration."""

    def __init__(self, context: SourceContext) -> None:
        self._context = context
        self._running: dict[int, Running[ConfigT, RecorderT, ClientT]] = {}
        self._stopping = False

    def apply(self, site: Any, statuses: Mapping[int, LinkStatus]) -> None:
        """Start, update or stop only the links whose configuration changed."""
        if self._stopping:
            return
        links = self._links(site)
        for link_id in [known for known in self._running if known not in links]:
            self._retire(self._running.pop(link_id))
        for link_id, config in links.items():
            running = self._running.get(link_id)
            if running is None:
                status = statuses.get(link_id) or LinkStatus.initial(link_id)
                recorder = self._recorder(config, status)
                running = Running(config, recorder, self._client(config, recorder, None))
                self._running[link_id] = running
                running.client.start()
            elif running.config != config:
                old, running.config = running.config, config
                self._update(running, old)

    def stop(self) -> list[Deferred[Any]]:
        """Stop every client; the Deferreds fire once their connections are closed."""
        self._stopping = True
        return [running.client.stop() for running in self._running.values()]

    def hand_over(self, link_ids: Collection[int]) -> None:
        """Stop these links' clients without recording anything (no offline state, no
        link event): another poller polls them now (:mod:`poll.acquisition.leases`), and
        what it writes must not be overwritten."""
        for link_id in link_ids:
            running = self._running.pop(link_id, None)
            if running is not None:
                running.client.stop()

    def client(self, link_id: int) -> ClientT | None:
        """The running client of link ``link_id``, if it runs (to hand it a request)."""
        running = self._running.get(link_id)
        return running.client if running is not None else None

    def add_statuses(self, batch: WriteBatch) -> None:
        for running in self._running.values():
            running.recorder.add_status(batch)

    # For the source

    @abstractmethod
    def _links(self, site: Any) -> Mapping[int, ConfigT]:
        """The links of the source's configuration, by id."""

    @abstractmethod
    def _recorder(self, config: ConfigT, status: LinkStatus) -> RecorderT:
        """The link's client sink, carrying on from ``status``."""

    @abstractmethod
    def _client(self, config: ConfigT, recorder: RecorderT, previous: ClientT | None) -> ClientT:
        """A client for the link (not started); ``previous`` is the one it replaces."""

    @abstractmethod
    def _update(self, running: Running[ConfigT, RecorderT, ClientT], old: ConfigT) -> None:
        """Take the link's new configuration, ``running.config`` (it was ``old``)."""

    def _reconnect(self, running: Running[ConfigT, RecorderT, ClientT]) -> None:
        """Replace the link's client with a new one once the old connection is closed (the
        recorder, and with it the points' states, carries over)."""
        old = running.client

        def restart(_: object) -> None:
            current = self._running.get(running.config.id) is running and running.client is old
            if current and not self._stopping:
                running.client = self._client(running.config, running.recorder, old)
                running.client.start()

        old.stop().addCallback(restart)

    def _retire(self, running: Running[ConfigT, RecorderT, ClientT]) -> None:
        running.client.stop()
        running.recorder.go_offline("not polled any more (disabled, removed or not selected)")
