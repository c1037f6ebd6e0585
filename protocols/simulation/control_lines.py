"""The control interface every simulator offers: JSON lines over TCP, one reply line each.

Tests and the demo change a simulated field through it. A simulator lists its commands in a
:class:`CommandTable` subclass; this module reads the lines, checks the fields, runs the
command and writes the reply: ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from twisted.internet.protocol import Factory
from twisted.protocols.basic import LineOnlyReceiver

Reply = dict[str, Any]
Command = Callable[[dict[str, Any]], Reply]


class ControlError(ValueError):
    """A control request that cannot be carried out."""


class CommandTable:
    """Runs control requests (already parsed JSON) by their ``cmd``."""

    commands: dict[str, Command]

    def execute(self, request: Any) -> Reply:
        """The reply to one request."""
        if not isinstance(request, dict):
            return error_reply("a request is a JSON object")
        name = request.get("cmd")
        command = self.commands.get(name) if isinstance(name, str) else None
        if command is None:
            known = ", ".join(sorted(self.commands))
            return error_reply(f"unknown cmd {name!r}; known: {known}")
        try:
            return {"ok": True, **command(request)}
        except (LookupError, ValueError, TypeError) as error:
            return error_reply(str(error.args[0]) if error.args else type(error).__name__)


_REQUIRED = object()


def field(request: dict[str, Any], key: str, kind: Any, default: Any = _REQUIRED) -> Any:
    """``request[key]`` checked against ``kind`` (a type or a tuple of types); JSON's true and
    false are not numbers here."""
    value = request.get(key, default)
    if value is _REQUIRED:
        raise ControlError(f"{request['cmd']} needs {key!r}")
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ControlError(f"{key} has the wrong type: {value!r}")
    return value


def error_reply(message: str) -> Reply:
    return {"ok": False, "error": message}


class ControlProtocol(LineOnlyReceiver):
    """One control connection: a JSON request per line, a JSON reply per line."""

    delimiter = b"\n"

    def __init__(self, commands: CommandTable) -> None:
        self._commands = commands

    def lineReceived(self, line: bytes) -> None:
        try:
            request = json.loads(line)
        except ValueError as error:
            reply = error_reply(f"not JSON: {error}")
        else:
            reply = self._commands.execute(request)
        reply_line = json.dumps(reply, separators=(",", ":")).encode()
        self.sendLine(reply_line)  # type: ignore[no-untyped-call]  # Twisted leaves it unannotated


class ControlFactory(Factory):
    def __init__(self, commands: CommandTable) -> None:
        self.commands = commands

    def buildProtocol(self, addr: object) -> ControlProtocol:
        return ControlProtocol(self.commands)
