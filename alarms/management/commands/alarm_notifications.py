"""``manage.py alarm_notifications``: mail unacknowledged alarms, every ``--interval``
seconds (``--once`` for one pass), outside the poller. A plain loop until the jobs process
takes :func:`alarms.notifications.send_due` into its registry."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from alarms.api import expire_shelves
from alarms.notifications import send_due


class Command(BaseCommand):
    help = "Mail alarms still unacknowledged after their rules' delay (digests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            expire_shelves()
            sent = send_due()
            if sent:
                self.stdout.write(f"{sent} alarm mails sent")
            if options["once"]:
                return
            time.sleep(options["interval"])
