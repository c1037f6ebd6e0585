"""``python -m protocols.modbus.simulator plant|meters [options]``: serve simulated devices.

Prints ``NAME listening on HOST:PORT`` per device (meters add ``unit N``) and
``control listening on ...``; stops cleanly (exit status 0) on SIGTERM or SIGINT.
"""

import argparse
import sys

from twisted.internet.error import CannotListenError

from protocols.faults import FaultSettings

from ..framing import Framing
from ..register_map import RegisterMapError
from .runner import SimulatorOptions, start_meters, start_plants


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m protocols.modbus.simulator",
        description="Serve simulated SBR plants (Twido PLC) or SDM630 energy meters.",
    )
    kinds = parser.add_subparsers(dest="kind", required=True)
    plant = kinds.add_parser("plant", help="SBR wastewater plants, one Modbus TCP port each")
    meters = kinds.add_parser("meters", help="SDM630 meters behind gateways")
    meters.add_argument(
        "--framing",
        choices=[framing.value for framing in Framing],
        default=Framing.RTU.value,
        help="RTU over TCP (a serial gateway, the default) or Modbus TCP",
    )
    meters.add_argument(
        "--per-port", type=int, help="meters behind each port (default: all behind one)"
    )
    meters.add_argument("--first-unit", type=int, default=1, help="unit id of the first meter")
    for sub in (plant, meters):
        _common(sub)
    return parser.parse_args(argv)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=1, help="how many devices")
    parser.add_argument(
        "--port-base",
        type=int,
        help="listen on PORT_BASE + index (0: any free port; default 5020 plants, 5030 meters)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated time speed factor")
    parser.add_argument(
        "--control-port", type=int, help="JSON-lines control interface on 127.0.0.1 (0: any)"
    )
    parser.add_argument("--seed", type=int, help="seed of the random process and faults")
    faults = parser.add_argument_group("fault injection (all off by default)")
    faults.add_argument("--drop", type=float, default=0.0, help="probability a reply is lost")
    faults.add_argument("--delay", type=float, default=0.0, help="seconds before each reply")
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


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        if arguments.count < 1:
            raise ValueError("--count must be at least 1")
        options = SimulatorOptions(
            host=arguments.host,
            port_base=arguments.port_base,
            speed=arguments.speed,
            faults=FaultSettings(
                drop=arguments.drop,
                delay=arguments.delay,
                close_every=arguments.close_every,
                stall_every=arguments.stall_every,
                stall_for=arguments.stall_for,
            ),
            control_port=arguments.control_port,
            seed=arguments.seed,
        )
    except ValueError as error:
        print(f"simulator: {error}", file=sys.stderr)
        return 2

    from twisted.internet import reactor

    try:
        if arguments.kind == "plant":
            running = start_plants(reactor, arguments.count, options)
        else:
            running = start_meters(
                reactor,
                arguments.count,
                options,
                framing=Framing(arguments.framing),
                per_port=arguments.per_port,
                first_unit=arguments.first_unit,
            )
    except (CannotListenError, OSError, RegisterMapError, ValueError) as error:
        print(f"simulator: {error}", file=sys.stderr)
        return 2
    for name, port in running.ports.items():
        address = port.getHost()
        unit = running.units[name]
        suffix = "" if unit is None else f" unit {unit}"
        print(f"{name} listening on {address.host}:{address.port}{suffix}", flush=True)
    if running.control is not None:
        address = running.control.getHost()
        print(f"control listening on {address.host}:{address.port}", flush=True)
    reactor.addSystemEventTrigger("before", "shutdown", running.stop)
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
