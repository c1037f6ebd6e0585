"""Mara date and time fields.

Dates and times are plain binary bytes (not BCD), the year is 2000 + YY, and fractions of
a second are 1/32768 s ticks taken modulo 32768. A field device can send an impossible
date; decoding then yields ``None`` instead of failing, so the event is kept.
"""

from datetime import datetime

from .constants import FRACTION_TICKS
from .errors import EncodeError

BASE_YEAR = 2000
MAX_YEAR = BASE_YEAR + 255


def ticks_to_microseconds(ticks: int) -> int:
    """Microseconds of a fraction given in ticks (the tick count is taken modulo 32768)."""
    return (ticks % FRACTION_TICKS) * 1_000_000 // FRACTION_TICKS


def microseconds_to_ticks(microseconds: int) -> int:
    """The tick count that decodes back to ``microseconds`` whenever one does.

    Rounding up makes ``ticks_to_microseconds(microseconds_to_ticks(us)) == us`` for every
    ``us`` produced by :func:`ticks_to_microseconds`; other values get the next tick, capped
    at the last tick of the second.
    """
    return min(-(-microseconds * FRACTION_TICKS // 1_000_000), FRACTION_TICKS - 1)


def field_time(
    yy: int, month: int, day: int, hour: int, minute: int, second: int = 0, ticks: int = 0
) -> datetime | None:
    """The time described by Mara fields, or ``None`` when it is impossible."""
    try:
        return datetime(
            BASE_YEAR + yy, month, day, hour, minute, second, ticks_to_microseconds(ticks)
        )
    except ValueError:
        return None


def time_fields(when: datetime) -> tuple[int, int, int, int, int, int, int]:
    """``(yy, month, day, hour, minute, second, ticks)`` of ``when`` for the wire."""
    if not BASE_YEAR <= when.year <= MAX_YEAR:
        raise EncodeError(f"year {when.year} cannot be sent (Mara covers {BASE_YEAR}..{MAX_YEAR})")
    return (
        when.year - BASE_YEAR,
        when.month,
        when.day,
        when.hour,
        when.minute,
        when.second,
        microseconds_to_ticks(when.microsecond),
    )
