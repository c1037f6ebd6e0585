"""Where each source's links (COMasters, Modbus devices, ...) live in the database.

A source declares its :class:`LinkKind` when it registers (:mod:`poll.acquisition.sources`);
batches carry :class:`~poll.acquisition.batch.LinkStatus` rows by kind, and the writer
updates the kind's table and inserts link events into ``poll_comevent`` with the kind's
column naming the link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models

from poll.acquisition.batch import LinkStatus, to_micros

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class LinkKind:
    """Where one source's links are stored, and what its rows call them."""

    name: str
    """Key of the kind in batches and in the journal, e.g. ``comasters``."""
    model: type[models.Model]
    """The link's model, whose table takes the :class:`LinkStatus` columns it has."""
    event_column: str
    """The column of ``poll_comevent`` that names a link of this kind."""
    label: str
    """What the operator calls one, in link events: ``COMaster``."""
    key_prefix: str = ""
    """Put before the link's id in a link event's ``dedup_key``."""

    @property
    def table(self) -> str:
        return str(self.model._meta.db_table)

    @property
    def columns(self) -> tuple[str, ...]:
        """The :class:`LinkStatus` fields the table stores (never ``link_id`` or ``seq``)."""
        names = {field.name for field in self.model._meta.get_fields()}
        return tuple(name for name in LinkStatus._fields[1:] if name in names)

    def load_statuses(self, link_ids: Iterable[int]) -> dict[int, LinkStatus]:
        """The state last written for these links, so that counting carries on."""
        columns = self.columns
        rows = self.model._default_manager.filter(pk__in=list(link_ids)).values_list("pk", *columns)
        return {row[0]: _status(row[0], dict(zip(columns, row[1:], strict=True))) for row in rows}


def enabled_links(model: type[M], profile: Any, names: Sequence[str] = ()) -> list[M]:
    """The enabled links of ``profile`` (only those in ``names``, when given), by id."""
    rows = model._default_manager.filter(profile=profile, enabled=True)
    if names:
        rows = rows.filter(name__in=names)
    return list(rows.order_by("id"))


def _status(link_id: int, stored: dict[str, Any]) -> LinkStatus:
    for name in ("state_since", "last_poll_at"):
        if stored.get(name) is not None:
            stored[name] = to_micros(stored[name])
    return LinkStatus.initial(link_id)._replace(**stored)
