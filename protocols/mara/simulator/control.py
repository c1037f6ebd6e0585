"""The control interface of the simulator: JSON lines over TCP, one reply line each.

Tests and the demo use it to change the field (set a DI or an AI), switch faults, make a
COMaster fall silent, read the current state and flush the ledger. See docs/mara.md for
the commands.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

from twisted.internet.protocol import Factory
from twisted.protocols.basic import LineOnlyReceiver

from .device import SimulatedCOMaster
from .faults import FaultInjector
from .ledger import Ledger

Reply = dict[str, Any]


class ControlError(ValueError):
    """A control request that cannot be carried out."""


class ControlCommands:
    """Carries out control requests (already parsed JSON) on the simulated COMasters."""

    def __init__(
        self,
        devices: Mapping[str, SimulatedCOMaster],
        faults: Mapping[str, FaultInjector],
        ledger: Ledger | None = None,
    ) -> None:
        self._devices = devices
        self._faults = faults
        self._ledger = ledger
        self._commands: dict[str, Callable[[dict[str, Any]], Reply]] = {
            "set_di": self._set_di,
            "set_ai": self._set_ai,
            "set_faults": self._set_faults,
            "stop": self._stop,
            "resume": self._resume,
            "get_state": self._get_state,
            "flush_ledger": self._flush_ledger,
        }

    def execute(self, request: Any) -> Reply:
        """The reply to one request: ``{"ok": true, ...}`` or ``{"ok": false, "error"}``."""
        if not isinstance(request, dict):
            return _error("a request is a JSON object")
        command = self._commands.get(request.get("cmd"))
        if command is None:
            known = ", ".join(sorted(self._commands))
            return _error(f"unknown cmd {request.get('cmd')!r}; known: {known}")
        try:
            return {"ok": True, **command(request)}
        except (LookupError, ValueError, TypeError) as error:
            return _error(error.args[0] if error.args else type(error).__name__)

    def _set_di(self, request: dict[str, Any]) -> Reply:
        value = _field(request, "value", int)
        if value not in (0, 1):
            raise ControlError("a DI value is 0 or 1")
        changed = self._device(request).set_di(_field(request, "tag", str), value)
        return {"changed": changed}

    def _set_ai(self, request: dict[str, Any]) -> Reply:
        self._device(request).set_ai(
            _field(request, "tag", str),
            _field(request, "raw", int),
            q=_field(request, "q", int, 0),
            hold=_field(request, "hold", bool, True),
        )
        return {}

    def _set_faults(self, request: dict[str, Any]) -> Reply:
        changes = {key: value for key, value in request.items() if key not in ("cmd", "comaster")}
        selected = self._selected_faults(request)
        updated = {name: faults.settings.changed(changes) for name, faults in selected.items()}
        for name, settings in updated.items():
            selected[name].settings = settings
        return {"faults": {name: settings.as_dict() for name, settings in updated.items()}}

    def _stop(self, request: dict[str, Any]) -> Reply:
        seconds = request.get("seconds")
        if seconds is not None and (not isinstance(seconds, int | float) or seconds < 0):
            raise ControlError("seconds must be a positive number")
        for faults in self._selected_faults(request).values():
            faults.stop(seconds)
        return {}

    def _resume(self, request: dict[str, Any]) -> Reply:
        for faults in self._selected_faults(request).values():
            faults.resume()
        return {}

    def _get_state(self, request: dict[str, Any]) -> Reply:
        names = [self._device(request).name] if "comaster" in request else list(self._devices)
        return {
            "comasters": {
                name: {
                    **self._devices[name].state(),
                    "faults": self._faults[name].settings.as_dict(),
                    "silent": self._faults[name].silent,
                    "ignored_requests": self._faults[name].ignored_requests,
                }
                for name in names
            }
        }

    def _flush_ledger(self, request: dict[str, Any]) -> Reply:
        if self._ledger is None:
            raise ControlError("the simulator runs without a ledger (--ledger FILE)")
        self._ledger.flush()
        return {"recorded": self._ledger.recorded}

    def _device(self, request: dict[str, Any]) -> SimulatedCOMaster:
        name = _field(request, "comaster", str)
        if name not in self._devices:
            raise ControlError(f"no COMaster {name!r}; there are {', '.join(self._devices)}")
        return self._devices[name]

    def _selected_faults(self, request: dict[str, Any]) -> dict[str, FaultInjector]:
        """The fault injector of the request's ``comaster``, or of all when it has none."""
        if "comaster" in request:
            return {self._device(request).name: self._faults[request["comaster"]]}
        return dict(self._faults)


_REQUIRED = object()


def _field(request: dict[str, Any], key: str, kind: type, default: Any = _REQUIRED) -> Any:
    value = request.get(key, default)
    if value is _REQUIRED:
        raise ControlError(f"{request['cmd']} needs {key!r}")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ControlError(f"{key} must be a {kind.__name__}, not {value!r}")
    return value


def _error(message: str) -> Reply:
    return {"ok": False, "error": message}


class ControlProtocol(LineOnlyReceiver):
    """One control connection: a JSON request per line, a JSON reply per line."""

    delimiter = b"\n"

    def __init__(self, commands: ControlCommands) -> None:
        self._commands = commands

    def lineReceived(self, line: bytes) -> None:
        try:
            request = json.loads(line)
        except ValueError as error:
            reply = _error(f"not JSON: {error}")
        else:
            reply = self._commands.execute(request)
        self.sendLine(json.dumps(reply, separators=(",", ":")).encode())


class ControlFactory(Factory):
    def __init__(self, commands: ControlCommands) -> None:
        self.commands = commands

    def buildProtocol(self, addr: object) -> ControlProtocol:
        return ControlProtocol(self.commands)
