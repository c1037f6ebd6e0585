"""``python -m protocols.mara.simulator PROFILE.json [options]``: serve simulated COMasters.

Stops cleanly (exit status 0) on SIGTERM or SIGINT.
"""

import argparse
import sys

from twisted.internet.error import CannotListenError

from protocols.faults import FaultSettings

from .profile import ProfileError, load_profile
from .runner import start_simulators


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m protocols.mara.simulator",
        description="Serve one simulated Mara COMaster per COMaster of a profile file.",
    )
    parser.add_argument("profile", help="profile file (docs/profile-format.md)")
    parser.add_argument(
        "--port-base",
        type=int,
        help="listen on PORT_BASE + index instead of each COMaster's port (0: any free port)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--ledger", help="append every event handed out to this JSON-lines file")
    parser.add_argument("--speed", type=float, default=1.0, help="clock speed factor")
    parser.add_argument(
        "--control-port", type=int, help="JSON-lines control interface on 127.0.0.1 (0: any)"
    )
    parser.add_argument("--seed", type=int, help="seed of the random field and faults")
    faults = parser.add_argument_group("fault injection (all off by default)")
    faults.add_argument("--drop", type=float, default=0.0, help="probability a reply is lost")
    faults.add_argument("--delay", type=float, default=0.0, help="seconds before each reply")
    faults.add_argument("--corrupt", type=float, default=0.0, help="probability of a bad BCC")
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        comasters = load_profile(arguments.profile)
        faults = FaultSettings(
            drop=arguments.drop,
            delay=arguments.delay,
            corrupt=arguments.corrupt,
            split=arguments.split,
            garbage=arguments.garbage,
            close_every=arguments.close_every,
            stall_every=arguments.stall_every,
            stall_for=arguments.stall_for,
        )
    except (ProfileError, ValueError) as error:
        print(f"simulator: {error}", file=sys.stderr)
        return 2

    from twisted.internet import reactor

    try:
        running = start_simulators(
            reactor,
            comasters,
            host=arguments.host,
            port_base=arguments.port_base,
            speed=arguments.speed,
            faults=faults,
            ledger_path=arguments.ledger,
            control_port=arguments.control_port,
            seed=arguments.seed,
        )
    except (CannotListenError, OSError) as error:
        print(f"simulator: {error}", file=sys.stderr)
        return 2
    for name, port in running.ports.items():
        address = port.getHost()
        print(f"{name} listening on {address.host}:{address.port}", flush=True)
    if running.control is not None:
        address = running.control.getHost()
        print(f"control listening on {address.host}:{address.port}", flush=True)
    reactor.addSystemEventTrigger("before", "shutdown", running.stop)
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
