"""The simulator and the poller as processes, for end-to-end tests over real TCP.

The Twisted reactor cannot be restarted inside pytest, so both run as subprocesses: the
simulator from a profile file, the poller (``manage.py poll``) on the test database.
Tests wait on conditions with a deadline, never on fixed sleeps.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
DEMO_PROFILE = ROOT / "fixtures" / "demo_substation.json"
SITE_ZONE = "America/Santiago"
"""The poller runs in a zone other than UTC, so that time conversion is exercised."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns something true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def quiet_profile(path: Path) -> dict[str, Any]:
    """The demo substation on free ports, with a field that changes only when told to
    (no random DI flips, AIs that stay put) and every fourth DI inverted."""
    data = json.loads(DEMO_PROFILE.read_text())
    for comaster in data["comasters"]:
        comaster["port"] = free_port()
        for ied in comaster["ieds"]:
            for number, di in enumerate(ied["di"]):
                di["sim"] = {"value": di.get("sim", {}).get("value", 0), "flip_per_hour": 0}
                di["inverted"] = number % 4 == 1
            for ai in ied["ai"]:
                ai["sim"] = {"raw": ai.get("sim", {}).get("raw", 1000), "spread": 0}
    path.write_text(json.dumps(data))
    return data


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL naming the database the tests run on (the test database)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


class ControlledSimulator:
    """``python -m MODULE ... --control-port P`` in a subprocess, logging to ``workdir``,
    and its JSON-lines control port (what every simulator of ours offers)."""

    def __init__(self, module: str, arguments: list[str], workdir: Path, log_name: str) -> None:
        self.control_port = free_port()
        self._log = (workdir / log_name).open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                *arguments,
                "--control-port",
                str(self.control_port),
            ],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._label = module
        self._control = wait_until(self._connect, 20, f"{module}'s control port")
        self._replies = self._control.makefile("rb")

    def _connect(self) -> socket.socket | None:
        assert self.process.poll() is None, f"{self._label} exited"
        try:
            return socket.create_connection(("127.0.0.1", self.control_port), timeout=10)
        except OSError:
            return None

    def control(self, cmd: str, **request: Any) -> dict[str, Any]:
        self._control.sendall(json.dumps({"cmd": cmd, **request}).encode() + b"\n")
        reply = json.loads(self._replies.readline())
        assert reply["ok"], reply
        return reply

    def stop(self) -> None:
        self._replies.close()
        self._control.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
        self._log.close()


class Simulator(ControlledSimulator):
    """``python -m protocols.mara.simulator`` with a ledger and a control port."""

    def __init__(self, profile: Path, workdir: Path, *options: str) -> None:
        self.ledger_path = workdir / "ledger.jsonl"
        arguments = [str(profile), "--ledger", str(self.ledger_path), "--seed", "7", *options]
        super().__init__("protocols.mara.simulator", arguments, workdir, "simulator.log")

    def state(self) -> dict[str, Any]:
        return self.control("get_state")["comasters"]

    def ledger(self) -> list[dict[str, Any]]:
        self.control("flush_ledger")
        return [json.loads(line) for line in self.ledger_path.read_text().splitlines()]


class Poller:
    """``manage.py poll`` on the test database, with its own spool directory."""

    def __init__(self, workdir: Path, database: str, *arguments: str, **environment: str):
        self.log_path = workdir / "poller.log"
        self.environment = {
            **os.environ,
            "DATABASE_URL": database,
            "DJANGO_SETTINGS_MODULE": "smve.settings",
            "SECRET_KEY": "end-to-end-tests",
            "TIME_ZONE": SITE_ZONE,
            "POLL_SPOOL_DIR": str(workdir / "spool"),
            "POLL_BACKOFF_INITIAL": "0.05",
            "POLL_BACKOFF_MAX": "0.5",
            "POLL_CONNECT_TIMEOUT": "1",
            "POLL_STATUS_INTERVAL": "0.5",
            **environment,
        }
        self.arguments = arguments
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "poll", *self.arguments],
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, how: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(how)
        return self.process.wait(30)


def field_time(text: str | None) -> datetime | None:
    """A ledger's naive field time as the aware time the poller stores."""
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=zoneinfo.ZoneInfo(SITE_ZONE))
