"""``python -m protocols.mqtt.simulator``: the detector's devices on a broker."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="the broker (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=1883, help="the broker's port (1883)")
    parser.add_argument("--username", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--topic-prefix", default="", help="put before every topic (tests)")
    parser.add_argument(
        "--nominal", action="store_true", help="start with every channel on at its nominal voltage"
    )
    parser.add_argument("--control-port", type=int, default=0, help="JSON-lines control port")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    from twisted.internet import asyncioreactor

    asyncioreactor.install()  # type: ignore[no-untyped-call]  # Twisted leaves it unannotated
    from twisted.internet import reactor as global_reactor

    from protocols.mqtt.client import BrokerSettings
    from protocols.simulation.runner import RunningSimulator

    from .runner import Detector

    settings = BrokerSettings(
        arguments.host, arguments.port, username=arguments.username, password=arguments.password
    )
    reactor: Any = global_reactor
    detector = Detector(settings, reactor, arguments.topic_prefix, arguments.nominal)
    running = RunningSimulator()
    running.listen_control(reactor, arguments.control_port, detector)
    print(f"control listening on 127.0.0.1:{running.control_port_number()}", flush=True)
    reactor.callLater(0, detector.start)  # once the asyncio loop runs
    reactor.addSystemEventTrigger("before", "shutdown", detector.stop)
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
