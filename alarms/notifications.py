"""E-mail about alarms still unacknowledged after a delay, outside the poller.

:func:`send_due` is one pass: for each recipient of the notification rules, the alarms in
``unack`` that match one of the recipient's rules (priority, area) and have waited longer
than its delay, and were not yet mailed to them for this activation, go out in one digest
mail, unless that recipient had a mail within the rule's period. In a flood a recipient so
gets one digest per period, not a mail per alarm. The jobs process runs it
(:data:`alarms.jobs.JOBS`). Digests go through the outbox
(``outbox/sending.py``): queued with the notices in one transaction, then delivered with
retries, so an SMTP outage delays them and loses none.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from alarms.models import Alarm, AlarmNotice, NotificationRule
from alarms.states import State
from outbox.sending import deliver, enqueue


def send_due(now: datetime | None = None) -> int:
    """Queue the digests due at ``now`` and deliver the outbox; answer how many were queued."""
    now = now or timezone.now()
    due: dict[str, dict[int, Alarm]] = defaultdict(dict)
    periods: dict[str, timedelta] = {}
    unack = Alarm.objects.filter(state=State.UNACK).select_related("definition")
    for rule in NotificationRule.objects.all():
        alarms = unack.filter(state_since__lte=now - timedelta(minutes=rule.delay_minutes))
        if rule.priority:
            alarms = alarms.filter(definition__priority=rule.priority)
        if rule.area:
            alarms = alarms.filter(definition__area=rule.area)
        for recipient in rule.addresses():
            period = timedelta(minutes=rule.period_minutes)
            periods[recipient] = min(periods.get(recipient, period), period)
            for alarm in alarms:
                due[recipient][alarm.pk] = alarm
    sent = 0
    for recipient, alarms_due in due.items():
        mailed = set(
            AlarmNotice.objects.filter(recipient=recipient, alarm__in=list(alarms_due)).values_list(
                "alarm_id", "activation"
            )
        )
        fresh = [a for a in alarms_due.values() if (a.pk, a.state_since) not in mailed]
        last = AlarmNotice.objects.filter(recipient=recipient).aggregate(last=Max("sent_at"))
        if not fresh or (last["last"] and last["last"] > now - periods[recipient]):
            continue
        _mail(recipient, fresh, now)
        sent += 1
    deliver(now)
    return sent


def _mail(recipient: str, alarms: list[Alarm], now: datetime) -> None:
    alarms.sort(key=lambda a: (a.definition.priority, a.state_since or now))
    lines = [
        f"[{a.definition.priority}] {a.definition.tag} since {a.state_since:%Y-%m-%d %H:%M:%S}"
        f" UTC: {a.message}"
        for a in alarms
    ]
    subject = (
        f"SMVE: {alarms[0].definition.tag} unacknowledged"
        if len(alarms) == 1
        else f"SMVE: {len(alarms)} alarms unacknowledged"
    )
    with transaction.atomic():
        AlarmNotice.objects.bulk_create(
            AlarmNotice(alarm=a, recipient=recipient, activation=a.state_since or now, sent_at=now)
            for a in alarms
        )
        enqueue(
            f"alarms:{recipient}:{now.isoformat()}", subject, "\n".join(lines), [recipient], now=now
        )
