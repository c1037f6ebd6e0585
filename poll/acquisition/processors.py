"""The hook through which apps above ``poll`` add their changes to the poller's batches.

An app registers a factory at start-up (in its ``AppConfig.ready()``); ``manage.py poll``
makes one processor of each and hands them to its writer thread. The arrow points from the
app to this module, where the import contract can see it, instead of a dotted path in the
settings that no tool follows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from poll.acquisition.batch import PointChange


class BatchProcessor(Protocol):
    """Something that adds its own changes to each batch, in the batch's transaction."""

    def configure(self, profile_id: int) -> None:
        """Read the configuration of ``profile_id``. Called in the writer thread, outside any
        batch transaction, whenever the writer's configuration watcher reads a new
        configuration (the first load and each change)."""

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        """Add to the batch ``revision`` the changes that ``points`` cause. Called in the
        batch's transaction, after its points were written: what it writes carries that
        revision and commits (or not) with the batch."""


_factories: list[Callable[[], BatchProcessor]] = []


def register_batch_processor(factory: Callable[[], BatchProcessor]) -> None:
    """Have every poller make a processor with ``factory`` (registering twice is once)."""
    if factory not in _factories:
        _factories.append(factory)


def batch_processor_factories() -> tuple[Callable[[], BatchProcessor], ...]:
    """The registered factories, in registration order."""
    return tuple(_factories)
