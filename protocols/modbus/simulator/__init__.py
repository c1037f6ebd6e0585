"""Simulated Modbus devices, to develop and test without a plant or a meter cabinet.

- ``core``: the server side of a request with no I/O, and the device interface.
- ``plant``: :class:`SbrPlant`, the SBR wastewater plant behind the Twido PLC.
- ``meter``: :class:`Sdm630Meter`, an SDM630 energy meter with a flat's daily load.
- ``server``: the Twisted protocol serving devices over Modbus TCP or RTU over TCP.
- ``control``: the JSON-lines control interface.
- ``runner``: :func:`start_plants` and :func:`start_meters`, on a given reactor.
- ``__main__``: ``python -m protocols.modbus.simulator plant|meters [options]``.

The clock, fault injection, the delivery of replies, the control lines and the rest that
every simulator does are in :mod:`protocols.simulation`.
"""

from protocols.simulation.clock import SimulatedClock

from .core import DeviceException, SimulatedDevice, answer
from .meter import LoadProfile, Sdm630Meter
from .plant import Phase, SbrPlant
from .runner import RunningSimulator, SimulatorOptions, start_meters, start_plants

__all__ = [
    "DeviceException",
    "LoadProfile",
    "Phase",
    "RunningSimulator",
    "SbrPlant",
    "Sdm630Meter",
    "SimulatedClock",
    "SimulatedDevice",
    "SimulatorOptions",
    "answer",
    "start_meters",
    "start_plants",
]
