"""The site under uvicorn in a subprocess, on a socket the test bound, and an SSE reader.

The test binds and listens on 127.0.0.1 port 0 and hands the socket to uvicorn (``--fd``):
a request made before uvicorn is ready waits in the socket's backlog, so nothing polls or
sleeps until the server is up.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from tests.conftest import ROOT

READ_TIMEOUT = 60.0  # only so that a broken server fails the test instead of hanging it


def database_url() -> str:
    """The URL of the database the tests use (the test database, not the configured one)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    credentials = settings["USER"] or ""
    if settings["PASSWORD"]:
        credentials += f":{settings['PASSWORD']}"
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{settings['NAME']}"


@dataclass
class Server:
    port: int
    process: subprocess.Popen

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=READ_TIMEOUT)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, Any]:
        conn = self.connection()
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            content_type = response.getheader("Content-Type", "")
            data = json.loads(body) if content_type.startswith("application/json") else body
            return response.status, dict(response.getheaders()), data
        finally:
            conn.close()


@contextmanager
def asgi_server(**environment: str) -> Iterator[Server]:
    """uvicorn serving ``smve.asgi`` on the test database until the block ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "smve.settings",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "smve.asgi:application",
            "--fd",
            str(listener.fileno()),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        pass_fds=[listener.fileno()],
    )
    try:
        yield Server(listener.getsockname()[1], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        listener.close()


@dataclass
class ServerSentEvent:
    id: str | None = None
    data: str = ""
    retry: str | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


class EventStream:
    """An open ``/api/stream`` response, read one event (or comment) at a time.

    The request goes out at once; the response is read when first asked for, so that
    many streams can be requested before any is answered.
    """

    def __init__(self, server: Server, path: str, headers: dict[str, str]) -> None:
        self._conn = server.connection()
        self._conn.request("GET", path, headers={"Accept": "text/event-stream", **headers})
        self._response: http.client.HTTPResponse | None = None

    @property
    def response(self) -> http.client.HTTPResponse:
        if self._response is None:
            self._response = self._conn.getresponse()
        return self._response

    def next(self) -> ServerSentEvent:
        """The next block up to a blank line: a message, a retry hint or a comment."""
        event = ServerSentEvent()
        while True:
            line = self.response.readline().decode()
            if line == "":
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if line == "":
                return event
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                event.comments.append(value)
            elif name == "id":
                event.id = value
            elif name == "retry":
                event.retry = value
            elif name == "data":
                event.data = f"{event.data}\n{value}" if event.data else value

    def next_message(self) -> ServerSentEvent:
        """The next event that carries data (skipping retry hints and heartbeats)."""
        while True:
            event = self.next()
            if event.data:
                return event

    def close(self) -> None:
        self._conn.close()
