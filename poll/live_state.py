"""Rows that engineers edit but the poller keeps live.

A configuration form saves every field of a model; if a point's current value or a
COMaster's counters were among them, saving a description in the admin would write back
the stale values the form had loaded. Models with live fields therefore save only their
configuration fields on update, unless a caller names the fields explicitly.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models


class LiveStateModel(models.Model):
    """Base for models whose ``LIVE_FIELDS`` are written only by the acquisition side."""

    LIVE_FIELDS: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None and self.pk:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.LIVE_FIELDS
            ]
        super().save(*args, **kwargs)
