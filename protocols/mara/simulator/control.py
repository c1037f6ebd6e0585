"""The control interface of the simulator: JSON lines over TCP, one reply line each.

Tests and the demo use it to change the field (set a DI or an AI), switch faults, make a
COMaster fall silent, read the current state and flush the ledger. See docs/mara.md for
the commands.
"""

from collections.abc import Mapping
from typing import Any

from protocols.simulation.control_lines import Command, CommandTable, ControlError, Reply, field
from protocols.simulation.fault_control import FaultControl
from protocols.simulation.faults import FaultInjector

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
        self._faults = FaultControl(faults, key="comaster", kind="COMaster")
        self._ledger = ledger
        self.commands: dict[str, Command] = {
            "set_di": self._set_di,
            "set_ai": self._set_ai,
            "get_state": self._get_state,
            "flush_ledger": self._flush_ledger,
            **self._faults.commands,
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

    def _get_state(self, request: dict[str, Any]) -> Reply:
        names = [self._faults.name(request)] if "comaster" in request else list(self._devices)
        return {
            "comasters": {
                name: {**self._devices[name].state(), **self._faults.state(name)} for name in names
            }
        }

    def _flush_ledger(self, request: dict[str, Any]) -> Reply:
        if self._ledger is None:
            raise ControlError("the simulator runs without a ledger (--ledger FILE)")
        self._ledger.flush()
        return {"recorded": self._ledger.recorded}

    def _device(self, request: dict[str, Any]) -> SimulatedCOMaster:
        return self._devices[self._faults.name(request)]
