"""Quarter-hour boundaries and months in the site's time zone.

Quarter hours are counted in UTC (every site time zone in use has offsets in whole quarter
hours), so a DST day simply has 92 or 100 of them between its local midnights; months run
from one local midnight of the 1st to the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from history.buckets import site_zone

QUARTER = timedelta(minutes=15)


def floor_quarter(when: datetime) -> datetime:
    seconds = int(when.timestamp()) // 900 * 900
    return datetime.fromtimestamp(seconds, UTC)


def boundaries(after: datetime, until: datetime) -> Iterator[datetime]:
    """Quarter-hour boundaries ``after < b <= until``."""
    current = floor_quarter(after) + QUARTER
    while current <= until:
        yield current
        current += QUARTER


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=site_zone()).astimezone(UTC)


def month_range(year: int, month: int) -> tuple[datetime, datetime]:
    """The month's start and end, local midnights, in UTC."""
    following = date(year + month // 12, month % 12 + 1, 1)
    return local_midnight(date(year, month, 1)), local_midnight(following)


def day_range(day: date) -> tuple[datetime, datetime]:
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def quarters_in(start: datetime, end: datetime) -> int:
    """How many intervals end in ``(start, end]``."""
    return int((end - start).total_seconds()) // 900


def local_day(when: datetime) -> date:
    return when.astimezone(site_zone()).date()
