"""A simulated COMaster, to develop and test a Mara master without a substation.

- ``profile``: the COMasters and points of a profile file.
- ``clock``: the COMaster's clock (accelerated, set by time sets).
- ``field``: DIs that flip, AIs that wander, energy periods.
- ``device``: :class:`SimulatedCOMaster`, the protocol behaviour with no I/O.
- ``faults``: :class:`FaultSettings` and what they do to each reply.
- ``server``: the Twisted protocol and factory serving one COMaster.
- ``ledger``: the JSON-lines record of every event handed out.
- ``control``: the JSON-lines control interface.
- ``runner``: :func:`start_simulators`, everything started on a given reactor.
- ``__main__``: ``python -m protocols.mara.simulator PROFILE.json [options]``.
"""

from protocols.faults import Delivery, FaultInjector, FaultSettings

from .clock import SimulatedClock
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
