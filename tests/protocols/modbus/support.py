"""Helpers of the Modbus tests: the repository's maps and blocking clients."""

import json
import socket
from pathlib import Path
from typing import Any

from protocols.modbus import RegisterMap, load_register_map

ROOT = Path(__file__).resolve().parents[3]
"""The repository."""
MAPS = ROOT / "fixtures" / "modbus"

TIMEOUT = 10.0
"""Seconds a test waits for something that must happen; only reached when it fails."""


def plant_map() -> RegisterMap:
    return load_register_map(MAPS / "twido_sbr_plant.json")


def meter_map() -> RegisterMap:
    return load_register_map(MAPS / "sdm630.json")


class ControlClient:
    """A blocking client of a simulator's control interface."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.stream = self.socket.makefile("rwb")

    def __call__(self, **request: Any) -> dict[str, Any]:
        return self.raw(json.dumps(request).encode())

    def raw(self, line: bytes) -> dict[str, Any]:
        self.stream.write(line + b"\n")
        self.stream.flush()
        return json.loads(self.stream.readline())

    def state(self, device: str) -> dict[str, Any]:
        reply = self(cmd="get_state", device=device)
        assert reply["ok"], reply
        return reply["devices"][device]

    def close(self) -> None:
        self.stream.close()
        self.socket.close()


class RawClient:
    """A blocking TCP connection that sends bytes and reads exactly what it is told."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)

    def exchange(self, request: bytes, reply_size: int) -> bytes:
        self.socket.sendall(request)
        received = b""
        while len(received) < reply_size:
            chunk = self.socket.recv(reply_size - len(received))
            if not chunk:
                raise ConnectionError("the simulator closed the connection")
            received += chunk
        return received

    def close(self) -> None:
        self.socket.close()
