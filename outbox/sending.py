"""The outbox: mail is stored first and delivered by :func:`deliver`, with retries.

Enqueuing is a row insert in the caller's transaction (so a mail exists exactly when what it
reports was recorded), keyed so that the same mail is never queued twice. Delivery sends the
due mails in order through Django's mail backend (SMTP from the environment). When a send
fails, the mail is tried again after a backoff that doubles from ``OUTBOX_RETRY`` seconds up
to an hour, the pass stops (the server is down for the others too), and one
:class:`~outbox.models.MailOutage` is opened, logged once as an error: an SMTP outage
delays mail and raises one alarm, it loses nothing and floods nobody. The first delivery
that works closes the outage. Opening and closing are announced (outbox/signals.py) for the
alarms to raise and clear their one system alarm.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from outbox.models import MailOutage, OutboxMail
from outbox.signals import announce_began, announce_ended

log = logging.getLogger(__name__)
LONGEST_WAIT = timedelta(hours=1)


def enqueue(
    key: str,
    subject: str,
    body: str,
    recipients: Iterable[str],
    *,
    attachment: tuple[str, str] | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue a mail once per ``key``; False when that key was queued before (or no recipient)."""
    addresses = sorted({address.strip() for address in recipients if address.strip()})
    if not addresses:
        return False
    now = now or timezone.now()
    _, made = OutboxMail.objects.get_or_create(
        key=key,
        defaults={
            "subject": subject[:250],
            "body": body,
            "recipients": "\n".join(addresses),
            "attachment_name": attachment[0] if attachment else "",
            "attachment": attachment[1] if attachment else "",
            "created_at": now,
            "next_try_at": now,
        },
    )
    return made


def backoff(attempts: int) -> timedelta:
    first = float(getattr(settings, "OUTBOX_RETRY", 60))
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def open_outage() -> MailOutage | None:
    return MailOutage.objects.filter(ended_at__isnull=True).first()


def deliver(now: datetime | None = None) -> int:
    """Send the mails that are due; answer how many went out."""
    now = now or timezone.now()
    sent = 0
    due = OutboxMail.objects.filter(sent_at__isnull=True, next_try_at__lte=now)
    for mail in due.order_by("created_at", "pk"):
        message = EmailMessage(mail.subject, mail.body, None, mail.recipients.split("\n"))
        if mail.attachment_name:
            message.attach(mail.attachment_name, mail.attachment, "text/csv")
        try:
            message.send()
        except Exception as error:  # any failure of the backend: try again later
            _failed(mail, now, f"{type(error).__name__}: {error}"[:300])
            break
        OutboxMail.objects.filter(pk=mail.pk).update(sent_at=now, attempts=mail.attempts + 1)
        sent += 1
    if sent:
        with transaction.atomic():
            if MailOutage.objects.filter(ended_at__isnull=True).update(ended_at=now):
                announce_ended(now)
    return sent


def _failed(mail: OutboxMail, now: datetime, error: str) -> None:
    attempts = mail.attempts + 1
    with transaction.atomic():
        OutboxMail.objects.filter(pk=mail.pk).update(
            attempts=attempts, next_try_at=now + backoff(attempts), last_error=error
        )
        outage = open_outage()
        if outage is None:
            log.error("mail cannot be delivered (%s); the outbox keeps it and tries again", error)
            MailOutage.objects.create(started_at=now, last_error=error, failed_tries=1)
            announce_began(now, error)
        else:
            MailOutage.objects.filter(pk=outage.pk).update(
                last_error=error, failed_tries=outage.failed_tries + 1
            )
