"""The control interface of the simulator: JSON lines over TCP, one reply line each.

Tests and the demo use it to change the field (set a DI or an AI), switch faults, make a
COMaster fall silent, read the current state and flush the ledger. See docs/mara.md for
the commands.
"""

from collections.abc import Mapping
from typing import Any

from protocols.control_lines import (
    Command,
    CommandTable,
    ControlError,
    Reply,
    field,
)
from protocols.faults import FaultInjector

from .device import SimulatedCOMaster
from .ledger import Ledger


class ControlCommands(CommandTable):
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
        self.commands: dict[str, Command] = {
            "set_di": self._set_di,
            "set_ai": self._set_ai,
            "set_faults": self._set_faults,
            "stop": self._stop,
            "resume": self._resume,
            "get_state": self._get_state,
            "flush_ledger": self._flush_ledger,
        }

    def _set_di(self, request: dict[str, Any]) -> Reply:
        value = field(request, "value", int)
        if value not in (0, 1):
            raise ControlError("a DI value is 0 or 1")
        changed = self._device(request).set_di(field(request, "tag", str), value)
        return {"changed": changed}

    def _set_ai(self, request: dict[str, Any]) -> Reply:
        self._device(request).set_ai(
            field(request, "tag", str),
            field(request, "raw", int),
            q=field(request, "q", int, 0),
            hold=field(request, "hold", bool, True),
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
        name = field(request, "comaster", str)
        if name not in self._devices:
            raise ControlError(f"no COMaster {name!r}; there are {', '.join(self._devices)}")
        return self._devices[name]

    def _selected_faults(self, request: dict[str, Any]) -> dict[str, FaultInjector]:
        """The fault injector of the request's ``comaster``, or of all when it has none."""
        if "comaster" in request:
            return {self._device(request).name: self._faults[request["comaster"]]}
        return dict(self._faults)
