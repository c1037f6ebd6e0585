"""Rollup resolutions and where their buckets start and end.

The 1 min, 15 min and 1 h buckets are fixed lengths counted from the epoch; day buckets run
from one local midnight of the site's time zone to the next, so a DST day has 23 or 25 hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from django.utils import timezone

RESOLUTIONS: dict[str, int] = {"1min": 60, "15min": 900, "1h": 3600, "1d": 86400}
"""Rollup resolutions and their nominal lengths in seconds (a day's may differ by DST)."""


def site_zone() -> tzinfo:
    return timezone.get_default_timezone()


def bucket_start(resolution: str, when: datetime, zone: tzinfo | None = None) -> datetime:
    """The start of the ``resolution`` bucket that holds ``when`` (aware, in UTC)."""
    if resolution == "1d":
        local = when.astimezone(zone or site_zone())
        midnight = datetime(local.year, local.month, local.day, tzinfo=local.tzinfo)
        return midnight.astimezone(UTC)
    length = RESOLUTIONS[resolution]
    seconds = int(when.timestamp()) // length * length
    return datetime.fromtimestamp(seconds, UTC)


def bucket_end(resolution: str, start: datetime, zone: tzinfo | None = None) -> datetime:
    """The end of the bucket that starts at ``start`` (the next one's start)."""
    if resolution == "1d":
        local = start.astimezone(zone or site_zone())
        following = local.date() + timedelta(days=1)
        midnight = datetime(following.year, following.month, following.day, tzinfo=local.tzinfo)
        return midnight.astimezone(UTC)
    return start + timedelta(seconds=RESOLUTIONS[resolution])
