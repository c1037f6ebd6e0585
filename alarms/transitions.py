"""Moving alarms through the state machine in the database: one function for the poller
and the web alike, so both follow the same rules and both leave a journal row.

The web's callers hold the alarm rows under ``select_for_update`` in their transaction and
give every change a new revision; the poller steps its copy of the rows and stores them only
where the revision is still the one it read (:func:`alarms.bulk.update`), stepping the others
again from the database. So an operator's acknowledge and the poller's new activation of the
same alarm each apply to the state the other committed, and neither is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, Protocol

from django.db import connection

from alarms import counts
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


class JournalRow(NamedTuple):
    """One journal row to insert, as plain values (the poller stores many at once)."""

    alarm_id: int
    event: str
    from_state: str
    to_state: str
    time: datetime
    value: float | None
    user_id: int | None
    reason: str
    revision: int
    priority: str
    area: str


class DefinitionLike(Protocol):
    latching: bool
    priority: str
    area: str
    point_id: int | None

    @property
    def unit(self) -> str: ...

    def render(self, value: float | None, unit: str) -> str: ...


def step_alarm(
    alarm: Any,
    definition: DefinitionLike,
    event: Event,
    *,
    time: datetime,
    revision: int,
    value: float | None = None,
    user_id: int | None = None,
    reason: str = "",
) -> JournalRow | None:
    """Apply ``event`` to ``alarm`` (an :class:`Alarm` or any object with its fields, locked
    by the caller): set its fields and answer the journal row to store, or None if the
    event changes nothing."""
    before = Status(State(alarm.state), alarm.active, alarm.suppressed)
    after = step(before, event, latching=definition.latching)
    if after is None:
        return None
    if value is not None:
        alarm.value = value
    if value is not None or (event is Event.ACTIVATE and definition.point_id is None):
        alarm.message = definition.render(value, definition.unit)
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
    return JournalRow(
        alarm.pk,
        event.value,
        before.state.value,
        after.state.value,
        time,
        alarm.value if value is None else value,
        user_id,
        reason,
        revision,
        definition.priority,
        definition.area,
    )


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
    """:func:`step_alarm` for one alarm model (the web's actions): the journal row as an
    unsaved :class:`AlarmTransition`."""
    row = step_alarm(
        alarm,
        alarm.definition,
        event,
        time=time,
        revision=revision,
        value=value,
        user_id=user_id,
        reason=reason,
    )
    return None if row is None else AlarmTransition(**row._asdict())


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


def save(alarm: Alarm, transition: AlarmTransition) -> None:
    """Store one alarm's change and its journal row (and count it if an activation)."""
    activation = counts.is_activation(transition)
    known = counts.recent(Alarm.objects.filter(pk=alarm.pk)) if activation else {}
    alarm.save(update_fields=ALARM_FIELDS)
    transition.save()
    if activation:
        counts.add([transition], known)
