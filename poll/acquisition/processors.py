"""Batch processors: code of other apps that adds its own changes to the poller's batches.

An app registers a factory at start-up (in its ``AppConfig.ready()``, e.g. hmi's screen
formulas); the poller makes one processor of each factory per run. The writer thread calls
:meth:`BatchProcessor.configure` whenever it reads a new configuration, outside any batch
transaction, and :meth:`BatchProcessor.process` in each batch's transaction, after the
batch's points are written: what a processor writes carries the batch's revision.

A processor never stops acquisition: the store runs each in a savepoint and, if it raises,
logs it, rolls back only the savepoint and commits the batch's own rows all the same
(:class:`~poll.acquisition.store.BatchStore`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from poll.acquisition.batch import PointChange


class BatchProcessor(Protocol):
    def configure(self, profile_id: int) -> None:
        """Take the configuration of ``profile_id`` (read afresh: it may have changed)."""

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        """Add, in the batch's transaction, what the changed ``points`` cause."""


ProcessorFactory = Callable[[], BatchProcessor]

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
