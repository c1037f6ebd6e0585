"""Moving alarms through the state machine in the database: one function for the poller
and the web alike, so both follow the same rules and both leave a journal row.

Callers hold the alarm rows under ``select_for_update`` in their transaction: an operator's
acknowledge and the poller's new activation of the same alarm are serialised by the row
lock, and each applies its event to the state the other committed, so neither is lost.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from alarms.models import Alarm, AlarmTransition
from alarms.states import Event, State, Status, step
from poll.acquisition.store import NOTIFY_CHANNEL, REVISION_LOCK_KEY
from poll.models import Revision

REVISION_SOURCE = "alarms"


def new_revision(source: str = REVISION_SOURCE) -> int:
    """A revision for changes made outside the poller's batches (web actions, expiring
    shelves), taken as the poller takes its own so revisions stay in commit order; the
    stream is told of it on PostgreSQL. Call inside a transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REVISION_LOCK_KEY])
        revision: int = Revision.objects.create(source=source).pk
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(revision)])
    return revision


def status_of(alarm: Alarm) -> Status:
    return Status(State(alarm.state), alarm.active, alarm.suppressed)


def apply(
    alarm: Alarm,
    event: Event,
    *,
    time: datetime,
    revision: int,
    value: float | None = None,
    user_id: int | None = None,
    reason: str = "",
) -> AlarmTransition | None:
    """Apply ``event`` to ``alarm`` (locked by the caller); set the alarm's fields and
    answer the journal row to store (unsaved), or None if the event changes nothing."""
    definition = alarm.definition
    before = status_of(alarm)
    after = step(before, event, latching=definition.latching)
    if after is None:
        return None
    if value is not None:
        alarm.value = value
        alarm.message = definition.render(value, definition.point.unit)
    if after.state != before.state:
        alarm.state_since = time
    if after.state is not State.SHELVED:
        alarm.shelved_until = None
    if event in (Event.SHELVE, Event.REMOVE_FROM_SERVICE):
        alarm.reason = reason
    elif after.state not in (State.SHELVED, State.OUT_OF_SERVICE):
        alarm.reason = ""
    alarm.state, alarm.active, alarm.suppressed = after.state, after.active, after.suppressed
    alarm.revision = revision
    return AlarmTransition(
        alarm=alarm,
        event=event,
        from_state=before.state,
        to_state=after.state,
        time=time,
        value=alarm.value if value is None else value,
        user_id=user_id,
        reason=reason,
        revision=revision,
        priority=definition.priority,
        area=definition.area,
    )


ALARM_FIELDS = [
    "state",
    "active",
    "suppressed",
    "state_since",
    "value",
    "message",
    "shelved_until",
    "reason",
    "revision",
]


def update_many(alarms: list[Alarm]) -> None:
    """Store many alarms' changes in one ``executemany`` (Django's ``bulk_update`` builds a
    CASE per field and row, which costs a hundred times more for a batch of alarms)."""
    if not alarms:
        return
    table = Alarm._meta.db_table
    assignments = ", ".join(f"{field} = %s" for field in ALARM_FIELDS)
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        [
            *(
                adapt(getattr(alarm, field)) if field in _TIMES else getattr(alarm, field)
                for field in ALARM_FIELDS
            ),
            alarm.pk,
        ]
        for alarm in alarms
    ]
    with connection.cursor() as cursor:
        sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 - names from code
        cursor.executemany(sql, rows)


_TIMES = frozenset({"state_since", "shelved_until"})


def save(alarm: Alarm, transition: AlarmTransition) -> None:
    """Store one alarm's change and its journal row."""
    alarm.save(update_fields=ALARM_FIELDS)
    transition.save()
