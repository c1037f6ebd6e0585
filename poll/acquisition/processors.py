"""Batch processors: code of other apps that adds its own changes to the poller's batches.

An app registers a factory at start-up (in its ``AppConfig.ready()``, e.g. hmi's screen
formulas); the poller makes one processor of each factory per run. The writer thread calls
:meth:`BatchProcessor.configure` whenever it reads a new configuration, outside any batch
transaction, and :meth:`BatchProcessor.process` in each batch's transaction, after the
batch's points are written: what a processor writes carries the batch's revision.

A processor that also follows communication (the alarms' comm-loss alarms) has the optional
method ``process_links``: it is called in the same transaction with the batch's
:class:`LinkChanges` when the batch carries any. Processors without it are called as before.

A processor never stops acquisition: the store runs each in a savepoint and, if it raises,
logs it, rolls back only the savepoint and commits the batch's own rows all the same
(:class:`~poll.acquisition.store.BatchStore`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from poll.acquisition.batch import ComEventRow, LinkEventRow, LinkStatus, PointChange, WriteBatch


@dataclass(frozen=True, slots=True)
class LinkChanges:
    """The communication side of a batch: the links' states that changed, by link kind name
    (``comasters``, ``modbus_devices``, ...) then link id; the poller's link events (a link
    went online or offline); and the field's communication events (a COMaster telling that
    an IED's link was lost or restored)."""

    links: Mapping[str, Mapping[int, LinkStatus]]
    link_events: Sequence[LinkEventRow]
    com_events: Sequence[ComEventRow]


class BatchProcessor(Protocol):
    def configure(self, profile_id: int) -> None:
        """Take the configuration of ``profile_id`` (read afresh: it may have changed)."""

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        """Add, in the batch's transaction, what the changed ``points`` cause."""


class LinkProcessor(Protocol):
    def process_links(self, changes: LinkChanges, revision: int) -> None:
        """Add, in the batch's transaction, what the link ``changes`` cause."""


ProcessorFactory = Callable[[], BatchProcessor]


def run_processor(processor: BatchProcessor, batch: WriteBatch, revision: int) -> None:
    """Give ``processor`` the batch: its points always, its link changes too when it has
    ``process_links`` and the batch carries some."""
    processor.process(batch.points, revision)
    process_links = getattr(processor, "process_links", None)
    if process_links is not None and (batch.links or batch.link_events or batch.com_events):
        process_links(LinkChanges(batch.links, batch.link_events, batch.com_events), revision)


_factories: list[ProcessorFactory] = []


def register_batch_processor(factory: ProcessorFactory) -> None:
    """Have every poller run make one processor with ``factory`` (once, however often it
    is registered)."""
    if factory not in _factories:
        _factories.append(factory)


def unregister_batch_processor(factory: ProcessorFactory) -> None:
    """Undo :func:`register_batch_processor` (for tests that plug in their own)."""
    if factory in _factories:
        _factories.remove(factory)


def batch_processor_factories() -> tuple[ProcessorFactory, ...]:
    """The registered factories, in registration order."""
    return tuple(_factories)
