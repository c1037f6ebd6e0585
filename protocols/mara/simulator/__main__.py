"""``python -m protocols.mara.simulator PROFILE.json [options]``: serve simulated COMasters.

Stops cleanly (exit status 0) on SIGTERM or SIGINT.
"""

import argparse
import sys
from functools import partial

from protocols.simulation.cli import add_common_arguments, fault_settings, refuse, serve

from .profile import ProfileError, load_profile
from .runner import start_simulators


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m protocols.mara.simulator",
        description="Serve one simulated Mara COMaster per COMaster of a profile file.",
    )
    parser.add_argument("profile", help="profile file (docs/profile-format.md)")
    parser.add_argument("--ledger", help="append every event handed out to this JSON-lines file")
    parser.add_argument(
        "--field-delay",
        type=float,
        default=0.0,
        help="simulated seconds a port command takes to move its DIs (default: at once)",
    )
    parser.add_argument(
        "--error-port",
        type=int,
        action="append",
        default=[],
        metavar="PORT",
        help="a port whose logical-port commands (0x13) fail with the error echo (repeatable)",
    )
    add_common_arguments(
        parser,
        port_base_help="listen on PORT_BASE + index instead of each COMaster's port "
        "(0: any free port)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        comasters = load_profile(arguments.profile)
        faults = fault_settings(arguments)
    except (ProfileError, ValueError) as error:
        return refuse(error)
    return serve(
        partial(
            start_simulators,
            comasters=comasters,
            host=arguments.host,
            port_base=arguments.port_base,
            speed=arguments.speed,
            faults=faults,
            ledger_path=arguments.ledger,
            control_port=arguments.control_port,
            seed=arguments.seed,
            field_delay=arguments.field_delay,
            error_ports=frozenset(arguments.error_port),
        )
    )


if __name__ == "__main__":
    sys.exit(main())
