"""A simulated COMaster, to develop and test a Mara master without a substation.

- ``profile``: the COMasters and points of a profile file.
- ``field``: DIs that flip, AIs that wander, energy periods.
- ``device``: :class:`SimulatedCOMaster`, the protocol behaviour with no I/O.
- ``server``: the Twisted protocol and factory serving one COMaster.
- ``ledger``: the JSON-lines record of every event handed out.
- ``control``: the JSON-lines control interface.
- ``runner``: :func:`start_simulators`, everything started on a given reactor.
- ``__main__``: ``python -m protocols.mara.simulator PROFILE.json [options]``.

The clock, fault injection, the delivery of replies, the control lines and the rest that
every simulator does are in :mod:`protocols.simulation`.
"""

from protocols.simulation.clock import SimulatedClock
from protocols.simulation.faults import Delivery, FaultInjector, FaultSettings

from .device import SimulatedCOMaster, UnknownPoint
from .profile import ComasterProfile, ProfileError, load_profile, parse_profile
from .runner import RunningSimulator, start_simulators

__all__ = [
    "ComasterProfile",
    "Delivery",
    "FaultInjector",
    "FaultSettings",
    "ProfileError",
    "RunningSimulator",
    "SimulatedCOMaster",
    "SimulatedClock",
    "UnknownPoint",
    "load_profile",
    "parse_profile",
    "start_simulators",
]
