"""``python -m protocols.modbus.simulator plant|meters [options]``: serve simulated devices.

Prints ``NAME listening on HOST:PORT`` per device (meters add ``unit N``) and
``control listening on ...``; stops cleanly (exit status 0) on SIGTERM or SIGINT.
"""

import argparse
import sys
from collections.abc import Callable
from typing import Any

from protocols.simulation.cli import add_common_arguments, fault_settings, refuse, serve
from protocols.simulation.runner import RunningSimulator

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
    meters.add_argument(
        "--one-connection",
        action="store_true",
        help="each port takes one connection at a time and refuses others, like many gateways",
    )
    for sub in (plant, meters):
        sub.add_argument("--count", type=int, default=1, help="how many devices")
        add_common_arguments(
            sub,
            port_base_help="listen on PORT_BASE + index "
            "(0: any free port; default 5020 plants, 5030 meters)",
        )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        if arguments.count < 1:
            raise ValueError("--count must be at least 1")
        options = SimulatorOptions(
            host=arguments.host,
            port_base=arguments.port_base,
            speed=arguments.speed,
            faults=fault_settings(arguments),
            control_port=arguments.control_port,
            seed=arguments.seed,
        )
    except ValueError as error:
        return refuse(error)
    return serve(_starter(arguments, options), refused=(RegisterMapError, ValueError))


def _starter(
    arguments: argparse.Namespace, options: SimulatorOptions
) -> Callable[[Any], RunningSimulator]:
    if arguments.kind == "plant":
        return lambda reactor: start_plants(reactor, arguments.count, options)
    return lambda reactor: start_meters(
        reactor,
        arguments.count,
        options,
        framing=Framing(arguments.framing),
        per_port=arguments.per_port,
        first_unit=arguments.first_unit,
        one_connection=arguments.one_connection,
    )


if __name__ == "__main__":
    sys.exit(main())
