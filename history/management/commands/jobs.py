"""``manage.py jobs``: run the scheduled jobs (rollups, ...) when due, until stopped."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from history.jobs import registered_jobs, run_due_jobs


class Command(BaseCommand):
    help = "Run the scheduled jobs (history rollups and others apps register) when due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run what is due, then exit.")
        parser.add_argument(
            "--tick", type=float, default=5.0, help="Seconds between looks for due jobs."
        )

    def handle(self, *args: Any, once: bool, tick: float, **options: Any) -> None:
        stop = threading.Event()
        if not once:
            for number in (signal.SIGINT, signal.SIGTERM):
                signal.signal(number, lambda *_: stop.set())
            names = ", ".join(job.name for job in registered_jobs())
            self.stdout.write(f"jobs: running {names}")
        while True:
            for run in run_due_jobs():
                state = "ok" if run.ok else "FAILED"
                self.stdout.write(f"{run.name}: {state} {run.detail}")
            if once or stop.wait(tick):
                return
