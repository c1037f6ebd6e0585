"""The alarms' scheduled work, run by the jobs process (``manage.py jobs``), never by the
poller: shelves that ran out, and the notification mails of alarms left unacknowledged."""

from __future__ import annotations

from datetime import datetime, timedelta

from alarms.notifications import send_due
from alarms.shelves import expire_shelves
from history.jobs import Job


def unshelve_expired(now: datetime) -> str:
    return f"{expire_shelves(now)} shelves expired"


def notify(now: datetime) -> str:
    return f"{send_due(now)} alarm mails queued"


JOBS = (
    Job("alarms.shelves", timedelta(seconds=10), unshelve_expired),
    Job("alarms.notifications", timedelta(seconds=30), notify),
)
