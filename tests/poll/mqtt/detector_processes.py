"""The detector's simulator as a test process, on the real Mosquitto, under a topic prefix
of its own so that parallel runs never hear each other; and the detector's profile file
with the same prefix on its points' topics and its commands' topics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from poll.profiles import read_profile_file
from tests.conftest import ROOT
from tests.poll.acquisition.processes import ControlledSimulator


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


class DetectorSimulator(ControlledSimulator):
    """``python -m protocols.mqtt.simulator`` with its JSON-lines control port."""

    def __init__(self, prefix: str, workdir: Path) -> None:
        arguments = ["--topic-prefix", prefix]
        super().__init__("protocols.mqtt.simulator", arguments, workdir, "mqtt-simulator.log")

    def channel(self, supply: str, number: int) -> dict[str, Any]:
        channels: list[dict[str, Any]] = self.control("get_state")["supplies"][supply]
        return channels[number]
