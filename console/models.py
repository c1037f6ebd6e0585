"""What the console keeps of its own: the trend views that users name, save and share."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TrendView(models.Model):
    """A named set of pens and a time range, as the Trends page shows it.

    The range is what the user picked: a preset such as ``"24h"`` (relative to when the view
    is opened, so a shared "last 24 h" stays current) or fixed ``start``/``end`` times.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trend_views"
    )
    name = models.CharField(max_length=80)
    shared = models.BooleanField(default=False, help_text="Every user may open it.")
    tags = models.JSONField(default=list, help_text="The pens' point tags, in order.")
    time_range = models.JSONField(
        default=dict, help_text='{"preset": "24h"} or {"start": ISO, "end": ISO}.'
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="trendview_unique_owner_name")
        ]

    def __str__(self) -> str:
        return self.name
