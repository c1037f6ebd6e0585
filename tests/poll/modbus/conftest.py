"""Fixtures for the poller against the Modbus simulators over real TCP: a profile on free
ports in the test database, and a launcher that stops every process it started."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.poll.acquisition.processes import ROOT, Poller, database_url, free_port, wait_until

PLANT = ROOT / "fixtures" / "wastewater_plant.json"
BUILDING = ROOT / "fixtures" / "building_meters.json"


class ModbusSimulator:
    """``python -m protocols.modbus.simulator plant|meters`` on a free port, with its
    control port."""

    def __init__(self, kind: str, port: int, workdir: Path, *options: str) -> None:
        self.control_port = free_port()
        self._log = (workdir / f"{kind}-simulator.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "protocols.modbus.simulator",
                kind,
                *("--port-base", str(port), "--control-port", str(self.control_port)),
                *("--seed", "7", *options),
            ],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        import socket

        def connect() -> socket.socket | None:
            assert self.process.poll() is None, "the simulator exited"
            try:
                return socket.create_connection(("127.0.0.1", self.control_port), timeout=10)
            except OSError:
                return None

        self._control = wait_until(connect, 20, "the simulator's control port")
        self._replies = self._control.makefile("rb")

    def control(self, cmd: str, **request: Any) -> dict[str, Any]:
        self._control.sendall(json.dumps({"cmd": cmd, **request}).encode() + b"\n")
        reply = json.loads(self._replies.readline())
        assert reply["ok"], reply
        return reply

    def state(self, device: str) -> dict[str, Any]:
        return self.control("get_state", device=device)["devices"][device]

    def stop(self) -> None:
        self._replies.close()
        self._control.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
        self._log.close()


@dataclass
class ModbusSite:
    workdir: Path
    port: int
    started: list[Any] = field(default_factory=list)

    def simulator(self, kind: str, *options: str) -> ModbusSimulator:
        simulator = ModbusSimulator(kind, self.port, self.workdir, *options)
        self.started.append(simulator)
        return simulator

    def poller(self) -> Poller:
        poller = Poller(self.workdir, database_url(connection.settings_dict))
        self.started.insert(0, poller)
        return poller


def load_on_port(path: Path, port: int, **device_settings: Any) -> dict[str, Any]:
    from poll.profiles import load_profile, read_profile_file

    data = read_profile_file(path)
    for device in data["modbus_devices"]:
        device.update(port=port, **device_settings)
    load_profile(data, activate=True)
    return data


@pytest.fixture
def modbus_site(tmp_path: Path, transactional_db: None):
    site = ModbusSite(tmp_path, free_port())
    yield site
    for process in site.started:
        process.stop()
    for process in site.started:
        if isinstance(process, Poller):
            sys.stderr.write(f"--- poller log (last lines) ---\n{process.log[-4000:]}\n")
