"""The control interface of the simulators: JSON lines over TCP, one reply line each.

Tests and the demo use it to read a device's state, set values (inject an alarm, set an
energy counter, hold a meter's load), move simulated time forward and switch faults. See
docs/modbus.md for the commands.
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

from ..register_map import PREFIX_SEPARATOR
from .clock import SimulatedClock
from .server import ServedDevice


class ControlCommands(CommandTable):
    """Carries out control requests (already parsed JSON) on the simulated devices."""

    def __init__(self, devices: Mapping[str, ServedDevice], clock: SimulatedClock) -> None:
        self._devices = devices
        self._clock = clock
        self.commands: dict[str, Command] = {
            "get_state": self._get_state,
            "set_value": self._set_value,
            "set_load": self._set_load,
            "advance": self._advance,
            "set_faults": self._set_faults,
            "stop": self._stop,
            "resume": self._resume,
        }

    def _get_state(self, request: dict[str, Any]) -> Reply:
        names = [self._name(request)] if "device" in request else list(self._devices)
        return {
            "seconds": round(self._clock.seconds(), 3),
            "devices": {
                name: {
                    **self._devices[name].device.state(),
                    "faults": self._devices[name].faults.settings.as_dict(),
                    "silent": self._devices[name].faults.silent,
                    "ignored_requests": self._devices[name].faults.ignored_requests,
                }
                for name in names
            },
        }

    def _set_value(self, request: dict[str, Any]) -> Reply:
        name = self._name(request)
        tag = field(request, "tag", str)
        tag = tag.removeprefix(f"{name}{PREFIX_SEPARATOR}")
        value = field(request, "value", int | float)
        options = {"hold": field(request, "hold", bool)} if "hold" in request else {}
        self._devices[name].device.set_value(tag, value, **options)
        return {}

    def _set_load(self, request: dict[str, Any]) -> Reply:
        device = self._devices[self._name(request)].device
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

    def _set_faults(self, request: dict[str, Any]) -> Reply:
        changes = {key: value for key, value in request.items() if key not in ("cmd", "device")}
        selected = self._selected(request)
        updated = {name: served.faults.settings.changed(changes) for name, served in selected}
        for name, served in selected:
            served.faults.settings = updated[name]
        return {"faults": {name: settings.as_dict() for name, settings in updated.items()}}

    def _stop(self, request: dict[str, Any]) -> Reply:
        seconds = request.get("seconds")
        if seconds is not None and (not isinstance(seconds, int | float) or seconds < 0):
            raise ControlError("seconds must be a positive number")
        for _, served in self._selected(request):
            served.faults.stop(seconds)
        return {}

    def _resume(self, request: dict[str, Any]) -> Reply:
        for _, served in self._selected(request):
            served.faults.resume()
        return {}

    def _name(self, request: dict[str, Any]) -> str:
        name = field(request, "device", str)
        if name not in self._devices:
            raise ControlError(f"no device {name!r}; there are {', '.join(self._devices)}")
        return name

    def _selected(self, request: dict[str, Any]) -> list[tuple[str, ServedDevice]]:
        """The request's ``device``, or every device when it names none."""
        if "device" in request:
            name = self._name(request)
            return [(name, self._devices[name])]
        return list(self._devices.items())
