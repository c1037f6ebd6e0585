"""The detector's simulator as a test process, on the real Mosquitto, under a topic prefix
of its own so that parallel runs never hear each other; and the detector's profile file
with the same prefix on its points' topics and its commands' topics."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from poll.profiles import read_profile_file
from tests.conftest import ROOT
from tests.poll.acquisition.processes import free_port, wait_until


def prefixed_detector(prefix: str) -> dict[str, Any]:
    """fixtures/detector.json with ``prefix`` before every topic it names."""
    data = read_profile_file(ROOT / "fixtures" / "detector.json")
    for broker in data["mqtt_brokers"]:
        for device in broker["devices"]:
            for point in device["points"]:
                point["topic"] = prefix + point["topic"]
    for command in data.get("commands", []):
        command["target"]["topic"] = prefix + command["target"]["topic"]
    return data


class DetectorSimulator:
    """``python -m protocols.mqtt.simulator`` with its JSON-lines control port."""

    def __init__(self, prefix: str, workdir: Path) -> None:
        self.control_port = free_port()
        self._log = (workdir / "mqtt-simulator.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "protocols.mqtt.simulator",
                "--topic-prefix",
                prefix,
                "--control-port",
                str(self.control_port),
            ],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._control = wait_until(self._connect, 20, "the MQTT simulator's control port")
        self._replies = self._control.makefile("rb")

    def _connect(self) -> socket.socket | None:
        assert self.process.poll() is None, "the MQTT simulator exited"
        try:
            return socket.create_connection(("127.0.0.1", self.control_port), timeout=10)
        except OSError:
            return None

    def control(self, cmd: str, **request: Any) -> dict[str, Any]:
        self._control.sendall(json.dumps({"cmd": cmd, **request}).encode() + b"\n")
        reply = json.loads(self._replies.readline())
        assert reply["ok"], reply
        return reply

    def channel(self, supply: str, number: int) -> dict[str, Any]:
        channels: list[dict[str, Any]] = self.control("get_state")["supplies"][supply]
        return channels[number]

    def stop(self) -> None:
        self._replies.close()
        self._control.close()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self._log.close()
