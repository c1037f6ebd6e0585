"""System alarms: faults of SMVE itself rather than of the field, raised from code.

A system alarm is an :class:`~alarms.models.AlarmDefinition` of kind ``system`` whose tag
names its source (``system.mail``). The definition is made on demand in the active profile
the first time its source reports a fault, with the defaults below; engineers may then
change its priority, area and message in the admin (or a profile file), and operators
acknowledge it, shelve it or put it out of service like any other alarm.

The outbox (a lower layer) announces mail outages with signals (outbox/signals.py); one
outage is one activation, however many mails wait, and the first delivery after it clears
the alarm. Each change takes a revision, so the banner and ``/api/alarms/`` see it live.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, NamedTuple

from django.db import transaction

from alarms.models import Alarm, AlarmDefinition, Kind, Priority
from alarms.states import Event
from alarms.transitions import apply, new_revision, save
from outbox.signals import outage_began, outage_ended
from poll.models import Profile

log = logging.getLogger(__name__)

MESSAGE_LIMIT = Alarm._meta.get_field("message").max_length or 250


class Source(NamedTuple):
    """A source of system alarms and its definition's defaults."""

    key: str
    priority: str
    area: str
    message: str

    @property
    def tag(self) -> str:
        return f"system.{self.key}"


MAIL = Source("mail", Priority.HIGH, "System", "Mail cannot be sent: {error}")


def definition_for(source: Source, profile: Profile) -> AlarmDefinition:
    """The profile's definition for ``source``, made with the defaults if it is missing."""
    definition, _ = AlarmDefinition.objects.get_or_create(
        profile=profile,
        tag=source.tag,
        defaults={
            "kind": Kind.SYSTEM,
            "priority": source.priority,
            "area": source.area,
            "message": source.message,
        },
    )
    return definition


def raise_alarm(source: Source, time: datetime, error: str) -> None:
    """Activate the active profile's alarm of ``source`` (field time ``time``)."""
    _step(source, Event.ACTIVATE, time, error)


def clear_alarm(source: Source, time: datetime) -> None:
    """The fault of ``source`` is over: its alarm returns to normal (or RTN unack)."""
    _step(source, Event.CLEAR, time, None)


def _step(source: Source, event: Event, time: datetime, error: str | None) -> None:
    # A savepoint inside the announcer's transaction: a failure here rolls back only this.
    with transaction.atomic():
        profile = Profile.objects.filter(active=True).first()
        if profile is None:
            log.warning("system alarm %s: no active profile to raise it in", source.tag)
            return
        if event is Event.ACTIVATE:
            definition = definition_for(source, profile)
        else:  # nothing to clear where the fault was never raised
            found = AlarmDefinition.objects.filter(profile=profile, tag=source.tag).first()
            if found is None:
                return
            definition = found
        Alarm.objects.get_or_create(definition=definition)
        alarm = (
            Alarm.objects.select_for_update()
            .select_related("definition")
            .get(definition=definition)
        )
        revision = new_revision()
        transition = apply(alarm, event, time=time, revision=revision)
        if transition is None:
            return  # already in that condition: nothing to record
        if error is not None:
            alarm.message = alarm.message.replace("{error}", error)[:MESSAGE_LIMIT]
        save(alarm, transition)


def mail_outage_began(sender: Any, started_at: datetime, error: str, **kwargs: Any) -> None:
    raise_alarm(MAIL, started_at, error)


def mail_outage_ended(sender: Any, ended_at: datetime, **kwargs: Any) -> None:
    clear_alarm(MAIL, ended_at)


def connect() -> None:
    """Subscribe to the outbox's announcements (called from ``AppConfig.ready()``)."""
    outage_began.connect(mail_outage_began, dispatch_uid="smve-system-alarm-mail-began")
    outage_ended.connect(mail_outage_ended, dispatch_uid="smve-system-alarm-mail-ended")
