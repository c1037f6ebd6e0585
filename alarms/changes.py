"""The alarms a range of revisions changed, as the live site stream carries them.

Each item is the ``/api/alarms/`` item of the alarm's current row; an alarm back in the
``normal`` state is in the list too (its ``state`` says so), so that the console drops it.
"""

from __future__ import annotations

from typing import Any

from alarms.models import Alarm
from alarms.serializers import AlarmSerializer


def changed_alarms(after: int, upto: int, most: int) -> list[dict[str, Any]] | None:
    """The alarms whose row was last changed by a revision in ``(after, upto]``, or None
    when there are more than ``most`` (the reader should read the whole list instead).

    A row changed again by a revision beyond ``upto`` is left out: the next range has it.
    No index serves the filter on purpose (the poller's updates of ``revision`` stay
    heap-only, see :class:`alarms.models.Alarm`); the table holds one row per definition.
    """
    rows = list(
        Alarm.objects.select_related("definition__point")
        .filter(revision__gt=after, revision__lte=upto)
        .order_by("revision", "id")[: most + 1]
    )
    if len(rows) > most:
        return None
    return list(AlarmSerializer(rows, many=True).data)
