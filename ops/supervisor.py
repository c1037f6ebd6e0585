"""supervisord's XML-RPC interface over its unix socket: the processes, their last log
lines, and stop / start / restart.

The socket is SUPERVISOR_SOCKET (default Debian's /var/run/supervisor.sock); the web
server's user must be allowed on it (docs/deployment.md, "The operations page").
"""

from __future__ import annotations

import http.client
import os
import socket
import xmlrpc.client
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings

DEFAULT_SOCKET = "/var/run/supervisor.sock"
TIMEOUT = 35.0  # above the programs' stopwaitsecs (30), so a slow stop still answers
LOG_BYTES = 4000


class SupervisorError(Exception):
    """supervisord cannot be reached, or refused the request."""


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=TIMEOUT)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(self._path)


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        return _UnixConnection(self._path)


@dataclass(frozen=True)
class Process:
    name: str
    """As supervisor addresses it: ``group:name``."""
    state: str
    pid: int
    description: str
    """supervisor's own summary: ``pid 123, uptime 1:02:03`` or why it is not running."""
    uptime_seconds: int | None


def socket_path() -> str:
    return str(
        getattr(settings, "SUPERVISOR_SOCKET", None)
        or os.environ.get("SUPERVISOR_SOCKET", DEFAULT_SOCKET)
    )


class Supervisor:
    def __init__(self, path: str | None = None) -> None:
        self.path = path or socket_path()
        self._server = xmlrpc.client.ServerProxy(
            "http://localhost/RPC2", transport=_UnixTransport(self.path)
        )

    def _call(self, method: str, *args: object) -> Any:
        try:
            return getattr(self._server.supervisor, method)(*args)
        except xmlrpc.client.Fault as fault:
            raise SupervisorError(fault.faultString) from fault
        except (OSError, xmlrpc.client.ProtocolError) as error:
            raise SupervisorError(f"supervisor at {self.path}: {error}") from error

    def processes(self) -> list[Process]:
        found = []
        for info in cast("list[dict[str, Any]]", self._call("getAllProcessInfo")):
            running = info["statename"] == "RUNNING"
            found.append(
                Process(
                    name=f"{info['group']}:{info['name']}",
                    state=info["statename"],
                    pid=info["pid"],
                    description=info["description"],
                    uptime_seconds=info["now"] - info["start"] if running else None,
                )
            )
        return found

    def log_tail(self, name: str, lines: int = 10) -> list[str]:
        text, _, _ = self._call("tailProcessStdoutLog", name, 0, LOG_BYTES)
        return str(text).splitlines()[-lines:]

    def stop(self, name: str, wait: bool = True) -> None:
        self._call("stopProcess", name, wait)

    def start(self, name: str) -> None:
        self._call("startProcess", name, True)

    def restart(self, name: str) -> None:
        """Stop then start, as ``supervisorctl restart`` does."""
        self.stop(name)
        self.start(name)

    def reload(self, name: str) -> None:
        """SIGHUP: gunicorn starts new workers and lets the old ones finish their requests.
        The way to restart the web server from a page it serves."""
        self._call("signalProcess", name, "HUP")
