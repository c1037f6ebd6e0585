"""``manage.py poll``: acquire field data until SIGTERM or SIGINT (docs/poller.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Poll the enabled COMasters and Modbus devices of the active profile (or of "
        "--profile) into the database; runs in the foreground and stops cleanly on SIGTERM "
        "or SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", metavar="NAME", help="profile to poll (default: active)")
        parser.add_argument(
            "--comaster",
            dest="comasters",
            metavar="NAME",
            nargs="+",
            action="extend",
            default=[],
            help="poll only the COMasters and devices of these names",
        )
        parser.add_argument(
            "--name",
            metavar="NAME",
            help="this poller's name in leases and heartbeats (default: the host name)",
        )
        parser.add_argument(
            "--shard",
            dest="shards",
            metavar="NAME",
            nargs="+",
            action="extend",
            default=[],
            help="take only the links of these shards, and those of none (PostgreSQL)",
        )
        parser.add_argument(
            "--metrics-port",
            type=int,
            metavar="PORT",
            help="serve Prometheus metrics on 127.0.0.1:PORT",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from poll.acquisition.service import run_poller

        failure = run_poller(
            profile=options["profile"],
            names=options["comasters"],
            metrics_port=options["metrics_port"],
            poller_name=options["name"],
            shards=options["shards"],
        )
        if failure:
            raise CommandError(failure)
