"""The demo's MQTT broker: the one already answering on the port (Mosquitto, as in tests and
CI), or else an embedded broker from amqtt, so that `make demo` works on a fresh machine.

amqtt is a pure-Python MQTT 3.1.1 broker on asyncio (the maintained successor of hbmqtt):
no daemon to install, and it speaks what the simulator and the poller need (QoS 0 and 1,
wildcard subscriptions). It is for the demo only: production sites run Mosquitto, with TLS
and passwords (docs/mqtt.md). ``python -m protocols.mqtt.broker --port P`` runs it until
SIGINT or SIGTERM and prints ``embedded MQTT broker (amqtt) listening on HOST:PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys

from amqtt.broker import Broker

READY = "embedded MQTT broker (amqtt) listening on"
"""The line printed once the embedded broker accepts connections."""


def broker_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on ``host:port`` (a broker, we trust)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def embedded_config(host: str, port: int) -> dict[str, object]:
    """amqtt's settings: one plain TCP listener, anonymous clients, no $SYS or packet log."""
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


async def serve(host: str, port: int) -> None:
    """Run the embedded broker until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    broker = Broker(embedded_config(host, port))
    await broker.start()
    print(f"{READY} {host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        await broker.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The demo's embedded MQTT broker (amqtt).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    arguments = parser.parse_args(argv)
    asyncio.run(serve(arguments.host, arguments.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
