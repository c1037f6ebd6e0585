"""The field sources the poller runs (Mara COMasters, Modbus devices, ...), registered at
app start-up (:func:`poll.acquisition.register_built_in_sources`). How to add one is told
in the package's docstring (:mod:`poll.acquisition`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Protocol

from django.db.models import Model
from twisted.internet.defer import Deferred

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.links import LinkKind
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.options import PollerOptions
from poll.models import Profile


@dataclass(frozen=True)
class SourceContext:
    """What the core lends a running source, on the reactor thread."""

    reactor: Any
    options: PollerOptions
    metrics: PollerMetrics
    append: Callable[[WriteBatch], None]
    """Journal a batch (raises ``OSError`` if it could not be written)."""
    wall_clock: Callable[[], int]
    """Now, in microseconds since the epoch."""
    zone: tzinfo
    """The site's time zone (``TIME_ZONE``)."""
    resume_seqs: Mapping[int, int]
    """The journal's last stored ``seq`` of each link that has one."""
    committed: Callable[[], Deferred[None] | None] = lambda: None
    """For an answer just journaled, a Deferred that fires once it is in the database,
    when a protocol that numbers its answers must wait for that (several pollers:
    :mod:`poll.acquisition.commits`); None when journaled is stored enough."""


class SourceConfig(Protocol):
    """One source's part of the configuration: frozen, so that two readings compare equal
    when nothing that matters to a running link changed."""

    def link_names(self) -> Mapping[int, str]:
        """The links to run: id -> name."""

    def lease_units(self) -> frozenset[int]:
        """The ids of what one poller owns at a time (:mod:`poll.acquisition.leases`): a
        link, or what several links share (an MQTT broker connection)."""

    def only(self, units: Collection[int]) -> SourceConfig:
        """The same configuration with only the lease units ``units``."""


class SourceRunner(Protocol):
    """A source's running links, on the reactor thread."""

    def apply(self, config: Any, statuses: Mapping[int, LinkStatus]) -> None:
        """Start, update or stop the links whose configuration changed; ``statuses`` are
        their states last written, to carry on counting."""

    def add_statuses(self, batch: WriteBatch) -> None:
        """Put into ``batch`` the states that changed since they were last journaled."""

    def hand_over(self, units: Collection[int]) -> None:
        """Stop the lease units ``units`` quietly: another poller owns them now."""

    def stop(self) -> list[Deferred[Any]]:
        """Stop every link; the Deferreds fire once their connections are closed."""


class Source(Protocol):
    name: str
    """Key of the source's part of the configuration."""
    link_kind: LinkKind

    @property
    def lease_model(self) -> type[Model]:
        """The model whose rows are the source's lease units, with their ``shard``."""

    def load(self, profile: Profile, options: PollerOptions, names: Sequence[str]) -> Any:
        """The source's enabled links of ``profile`` (only those in ``names``, when given),
        as a :class:`SourceConfig`."""

    def run(self, context: SourceContext) -> SourceRunner:
        """A runner with no link yet; :meth:`SourceRunner.apply` starts them."""


_sources: dict[str, Source] = {}


def register_source(source: Source) -> None:
    """Have the poller run ``source`` (registering the same source again changes nothing)."""
    for other in _sources.values():
        clash = other.name == source.name or other.link_kind.name == source.link_kind.name
        if clash and other is not source:
            raise ValueError(f"another source is registered as {source.name!r}")
    _sources[source.name] = source


def unregister_source(name: str) -> None:
    """Undo :func:`register_source` (for tests that plug in their own)."""
    _sources.pop(name, None)


def registered_sources() -> tuple[Source, ...]:
    return tuple(_sources.values())


def link_kind(name: str) -> LinkKind:
    """The link kind of that name, of any registered source."""
    for source in _sources.values():
        if source.link_kind.name == name:
            return source.link_kind
    raise LookupError(f"no registered source stores links as {name!r}")
