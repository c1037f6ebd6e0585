"""The control interface of the simulators: JSON lines over TCP, one reply line each.

Tests and the demo use it to read a device's state, set values (inject an alarm, set an
energy counter, hold a meter's load), move simulated time forward and switch faults. See
docs/modbus.md for the commands.
"""

from collections.abc import Mapping
from typing import Any

from protocols.simulation.clock import SimulatedClock
from protocols.simulation.control_lines import Command, CommandTable, ControlError, Reply, field
from protocols.simulation.fault_control import FaultControl

from ..register_map import PREFIX_SEPARATOR
from .server import ServedDevice


class ControlCommands(CommandTable):
    """Carries out control requests (already parsed JSON) on the simulated devices."""

    def __init__(self, devices: Mapping[str, ServedDevice], clock: SimulatedClock) -> None:
        self._devices = devices
        self._clock = clock
        faults = {name: served.faults for name, served in devices.items()}
        self._faults = FaultControl(faults, key="device", kind="device")
        self.commands: dict[str, Command] = {
            "get_state": self._get_state,
            "set_value": self._set_value,
            "set_load": self._set_load,
            "advance": self._advance,
            **self._faults.commands,
        }

    def _get_state(self, request: dict[str, Any]) -> Reply:
        names = [self._faults.name(request)] if "device" in request else list(self._devices)
        return {
            "seconds": round(self._clock.seconds(), 3),
            "devices": {
                name: {**self._devices[name].device.state(), **self._faults.state(name)}
                for name in names
            },
        }

    def _set_value(self, request: dict[str, Any]) -> Reply:
        name = self._faults.name(request)
        tag = field(request, "tag", str)
        tag = tag.removeprefix(f"{name}{PREFIX_SEPARATOR}")
        value = field(request, "value", int | float)
        options = {"hold": field(request, "hold", bool)} if "hold" in request else {}
        self._devices[name].device.set_value(tag, value, **options)
        return {}

    def _set_load(self, request: dict[str, Any]) -> Reply:
        device = self._devices[self._faults.name(request)].device
        if not hasattr(device, "set_load"):
            raise ControlError(f"{device.name} has no load to set")
        watts = request.get("watts")
        if watts is not None and (
            not isinstance(watts, list)
            or len(watts) != 3
            or not all(isinstance(w, int | float) and not isinstance(w, bool) for w in watts)
        ):
            raise ControlError("watts is a list of three numbers (one per phase) or null")
        device.set_load(None if watts is None else tuple(float(w) for w in watts))
        return {}

    def _advance(self, request: dict[str, Any]) -> Reply:
        seconds = field(request, "seconds", int | float)
        self._clock.advance(seconds)
        return {"seconds": round(self._clock.seconds(), 3)}
