"""The command line every simulator shares: the options of where to listen, time, the
control interface, the seed and the faults; starting on the reactor, announcing where it
listens, and stopping cleanly (exit status 0) on SIGTERM or SIGINT.

A simulator's ``__main__`` adds its own arguments, builds its options (a bad value:
:func:`refuse`) and hands :func:`serve` the function that starts it.
"""

import argparse
import sys
from collections.abc import Callable
from typing import Any

from twisted.internet.error import CannotListenError

from .faults import FaultSettings
from .runner import RunningSimulator

EXIT_REFUSED = 2


def add_common_arguments(parser: argparse.ArgumentParser, port_base_help: str) -> None:
    """Where to listen, time, control, seed and fault injection."""
    parser.add_argument("--port-base", type=int, help=port_base_help)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated time speed factor")
    parser.add_argument(
        "--control-port", type=int, help="JSON-lines control interface on 127.0.0.1 (0: any)"
    )
    parser.add_argument("--seed", type=int, help="seed of the random field and faults")
    faults = parser.add_argument_group("fault injection (all off by default)")
    faults.add_argument("--drop", type=float, default=0.0, help="probability a reply is lost")
    faults.add_argument("--delay", type=float, default=0.0, help="seconds before each reply")
    faults.add_argument(
        "--corrupt", type=float, default=0.0, help="probability of a wrong last byte (BCC, CRC)"
    )
    faults.add_argument(
        "--split", type=int, default=0, help="write replies in pieces of at most N bytes"
    )
    faults.add_argument(
        "--garbage", type=float, default=0.0, help="probability of junk bytes before a reply"
    )
    faults.add_argument(
        "--close-every",
        type=int,
        default=0,
        help="close the connection instead of answering every N-th request",
    )
    faults.add_argument(
        "--stall-every", type=int, default=0, help="after every N-th request stop answering..."
    )
    faults.add_argument("--stall-for", type=float, default=0.0, help="...for this many seconds")


def fault_settings(arguments: argparse.Namespace) -> FaultSettings:
    """The faults the command line asks for (``ValueError`` when out of range)."""
    return FaultSettings(
        drop=arguments.drop,
        delay=arguments.delay,
        corrupt=arguments.corrupt,
        split=arguments.split,
        garbage=arguments.garbage,
        close_every=arguments.close_every,
        stall_every=arguments.stall_every,
        stall_for=arguments.stall_for,
    )


def refuse(error: Exception) -> int:
    """Say why the simulator cannot start; its exit status."""
    print(f"simulator: {error}", file=sys.stderr)
    return EXIT_REFUSED


def serve(
    start: Callable[[Any], RunningSimulator],
    refused: tuple[type[Exception], ...] = (),
) -> int:
    """Start on the global reactor, announce, run until stopped; the exit status.

    Failing to listen, or any of the ``refused`` errors while starting, is refused.
    """
    from twisted.internet import reactor

    errors: tuple[type[Exception], ...] = (CannotListenError, OSError, *refused)
    try:
        running = start(reactor)
    except errors as error:
        return refuse(error)
    for line in running.announcements():
        print(line, flush=True)
    reactor.addSystemEventTrigger("before", "shutdown", running.stop)
    reactor.run()
    return 0
