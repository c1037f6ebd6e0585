"""The control commands about faults, the same on every simulator: ``set_faults``,
``stop`` and ``resume``, on the device a request names or on every device; and what
``get_state`` reports of a device's faults."""

from collections.abc import Mapping
from typing import Any

from .control_lines import Command, ControlError, Reply, field
from .faults import FaultInjector


class FaultControl:
    """The fault commands over the fault injectors of named devices.

    ``key`` is the request field that names a device (``"comaster"``, ``"device"``) and
    ``kind`` how errors call one.
    """

    def __init__(self, faults: Mapping[str, FaultInjector], key: str, kind: str) -> None:
        self._faults = faults
        self._key = key
        self._kind = kind

    @property
    def commands(self) -> dict[str, Command]:
        return {"set_faults": self._set_faults, "stop": self._stop, "resume": self._resume}

    def name(self, request: dict[str, Any]) -> str:
        """The device the request names, which must exist."""
        name: str = field(request, self._key, str)
        if name not in self._faults:
            there = ", ".join(self._faults)
            raise ControlError(f"no {self._kind} {name!r}; there are {there}")
        return name

    def state(self, name: str) -> dict[str, Any]:
        """What ``get_state`` reports of a device's faults."""
        faults = self._faults[name]
        return {
            "faults": faults.settings.as_dict(),
            "silent": faults.silent,
            "ignored_requests": faults.ignored_requests,
        }

    def _set_faults(self, request: dict[str, Any]) -> Reply:
        changes = {key: value for key, value in request.items() if key not in ("cmd", self._key)}
        selected = self._selected(request)
        updated = {name: faults.settings.changed(changes) for name, faults in selected.items()}
        for name, settings in updated.items():
            selected[name].settings = settings
        return {"faults": {name: settings.as_dict() for name, settings in updated.items()}}

    def _stop(self, request: dict[str, Any]) -> Reply:
        seconds = request.get("seconds")
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0
        ):
            raise ControlError("seconds must be a positive number")
        for faults in self._selected(request).values():
            faults.stop(seconds)
        return {}

    def _resume(self, request: dict[str, Any]) -> Reply:
        for faults in self._selected(request).values():
            faults.resume()
        return {}

    def _selected(self, request: dict[str, Any]) -> dict[str, FaultInjector]:
        """The request's device, or every device when it names none."""
        if self._key in request:
            name = self.name(request)
            return {name: self._faults[name]}
        return dict(self._faults)
