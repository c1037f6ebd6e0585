"""Helpers of the Mara tests: a test profile and a blocking Mara client."""

import json
import socket
from pathlib import Path
from typing import Any

from protocols.mara import Dropped, Frame, StreamReader

ROOT = Path(__file__).resolve().parents[3]
"""The repository."""

TIMEOUT = 10.0
"""Seconds a test waits for something that must happen; only reached when it fails."""


def profile_document() -> dict[str, Any]:
    """Two COMasters; DIs do not flip by themselves, so every event comes from the test."""
    return {
        "profile": {"name": "Mara tests"},
        "comasters": [
            {
                "name": "E4",
                "port": 9761,
                "address": 1,
                "ieds": [
                    {
                        "offset": 0,
                        "address": 0,
                        "di": [
                            _di("E4DI00", 0, port=0, bit=0, value=1),
                            _di("E4DI01", 1, port=0, bit=1, inverted=True),
                        ],
                        "ai": [_ai("E4V00", 0, raw=1320, spread=15)],
                    },
                    {
                        "offset": 1,
                        "address": 5,
                        "di": [_di("E4BRK05", 0, port=1, bit=3)],
                        "ai": [
                            _ai("E4P05", 0, raw=1350, spread=90),
                            _ai("E4E05", 1, raw=400, spread=60, channel=0),
                        ],
                    },
                ],
            },
            {
                "name": "E5",
                "port": 9762,
                "address": 2,
                "ieds": [
                    {
                        "offset": 0,
                        "address": 1,
                        "di": [_di(f"E5DI{n:02d}", n, port=n // 8, bit=n % 8) for n in range(20)],
                        "ai": [_ai("E5V00", 0, raw=4000, spread=200)],
                    }
                ],
            },
        ],
    }


def _di(tag: str, offset: int, *, port: int, bit: int, value: int = 0, inverted: bool = False):
    return {
        "tag": tag,
        "offset": offset,
        "port": port,
        "bit": bit,
        "inverted": inverted,
        "sim": {"value": value, "flip_per_hour": 0},
    }


def _ai(tag: str, offset: int, *, raw: int, spread: float, channel: int | None = None):
    return {"tag": tag, "offset": offset, "channel": channel, "sim": {"raw": raw, "spread": spread}}


class MaraClient:
    """A blocking master connection for tests: send frames, read what comes back."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.reader = StreamReader()
        self.received: list[Frame | Dropped] = []
        self.chunks = 0

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def next_item(self) -> Frame | Dropped:
        """The next frame or drop the stream reader makes of the incoming bytes."""
        while not self.received:
            data = self.socket.recv(4096)
            if not data:
                raise ConnectionError("the simulator closed the connection")
            self.chunks += 1
            self.received.extend(self.reader.feed(data))
        return self.received.pop(0)

    def next_frame(self) -> Frame:
        """The next frame, skipping dropped bytes."""
        while True:
            item = self.next_item()
            if isinstance(item, Frame):
                return item

    def request(self, data: bytes) -> Frame:
        self.send(data)
        return self.next_frame()

    def wait_closed(self) -> None:
        """Return once the other side has closed the connection."""
        while self.socket.recv(4096):
            pass

    def close(self) -> None:
        self.socket.close()


class ControlClient:
    """A blocking client of the simulator's control interface."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.stream = self.socket.makefile("rwb")

    def __call__(self, **request: Any) -> dict[str, Any]:
        return self.raw(json.dumps(request).encode())

    def raw(self, line: bytes) -> dict[str, Any]:
        self.stream.write(line + b"\n")
        self.stream.flush()
        return json.loads(self.stream.readline())

    def close(self) -> None:
        self.stream.close()
        self.socket.close()
