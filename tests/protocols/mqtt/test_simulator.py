"""The detector simulator on the real Mosquitto: status every second on the documented
topics, setv and switch obeyed, bad commands rejected without crashing, garbage on demand."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import paho.mqtt.publish
import paho.mqtt.subscribe
import pytest

from tests.poll.acquisition.processes import ROOT


@pytest.fixture
def simulator(broker_port: int) -> Iterator[tuple[str, Any]]:
    prefix = f"/smve-sim/{uuid.uuid4().hex[:10]}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "protocols.mqtt.simulator",
            "--port",
            str(broker_port),
            "--topic-prefix",
            prefix,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    control_port = int(line.rsplit(":", 1)[1])
    connection = socket.create_connection(("127.0.0.1", control_port), timeout=10)
    replies = connection.makefile("rb")

    def control(cmd: str, **request: Any) -> dict[str, Any]:
        connection.sendall(json.dumps({"cmd": cmd, **request}).encode() + b"\n")
        reply: dict[str, Any] = json.loads(replies.readline())
        assert reply["ok"], reply
        return reply

    yield prefix, control
    replies.close()
    connection.close()
    process.terminate()
    process.wait(10)


def next_message(topic: str, port: int) -> bytes:
    message = paho.mqtt.subscribe.simple(topic, hostname="127.0.0.1", port=port)
    payload: bytes = message.payload
    return payload


@pytest.mark.timeout(60)
def test_status_commands_and_garbage(simulator: tuple[str, Any], broker_port: int) -> None:
    prefix, control = simulator
    status = json.loads(next_message(f"{prefix}/hv/status", broker_port))
    assert [c["number"] for c in status] == [0, 1, 2, 3]
    assert set(status[0]) == {"number", "on", "vreq"}
    sensor = json.loads(next_message(f"{prefix}/sensor_1/status", broker_port))
    assert set(sensor) == {"meas1", "meas2"}
    reading = json.loads(next_message(f"{prefix}/sensor/th1/temperature", broker_port))
    assert reading["measurement"] == "temperature"

    def publish(topic: str, payload: str) -> None:
        paho.mqtt.publish.single(
            prefix + topic, payload, qos=1, hostname="127.0.0.1", port=broker_port
        )

    publish("/lv/cmd/setv/1", "5.5")
    publish("/lv/cmd/switch/1", "on")
    publish("/lv/cmd/setv/9", "5")
    publish("/lv/cmd/switch/0", "sideways")
    while True:  # the next status after the commands arrived
        channel = json.loads(next_message(f"{prefix}/lv/status", broker_port))[1]
        if channel == {"number": 1, "on": 1, "vreq": 5.5}:
            break
    state = control("get_state")
    assert state["rejected"] == 2 and state["supplies"]["lv"][1]["vout"] > 0

    control("garbage", device="hv")
    while True:
        payload = next_message(f"{prefix}/hv/status", broker_port)
        if not payload.startswith(b"["):
            assert b"garbage" in payload
            break
