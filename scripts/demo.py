"""Run the demo site: the simulated field, the poller and the web server, until Ctrl-C.

Three processes: the Mara simulator (one simulated COMaster per COMaster of the profile
file, on the profile's ports, with its control interface), ``manage.py poll`` and uvicorn;
and when the demo site has Modbus devices, the plant and meter simulators on their ports.
Each runs in its own process group, so that Ctrl-C reaches the launcher only, which then
stops the web server, the poller and the simulator in that order. When the demo site has
MQTT brokers (the detector), the detector's simulator publishes on the broker that answers on
127.0.0.1:1883 (Mosquitto), or on an embedded amqtt broker the demo starts when none does
(``protocols.mqtt.broker``); the launcher says which. When any of them exits
by itself the others are stopped too, and the launcher says which one ended.

`make demo` prepares the database first (migrate, profile, screens, formulas, logins).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from protocols.mqtt.broker import broker_answers  # noqa: E402  (run as a script from anywhere)

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "fixtures" / "demo_substation.json"
SITE = ROOT / "fixtures" / "demo_site.json"
"""The profile `make demo` loads: the substation, the wastewater plant and the building."""
MODBUS_SIMULATORS = (
    ("plant simulator", ["plant", "--port-base", "5020", "--control-port", "9770"]),
    (
        "meter simulator",
        ["meters", "--count", "6", "--port-base", "5021", "--control-port", "9771"],
    ),
)
MQTT_HOST = "127.0.0.1"
MQTT_PORT = 1883
LOGINS = ("viewer", "operator", "engineer", "provider", "admin")
STOP_SECONDS = 10.0


@dataclass
class Service:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


#: Seconds a demo breaker takes to move after a command (the Mara simulator's field delay).
FIELD_DELAY = 0.3


def mqtt_services(embedded_broker: bool, control_port: int) -> list[Service]:
    """The embedded broker when asked, then the detector's simulator on it."""
    python = sys.executable
    broker = Service(
        "embedded MQTT broker",
        [python, "-m", "protocols.mqtt.broker", "--host", MQTT_HOST, "--port", str(MQTT_PORT)],
    )
    simulator = Service(
        "detector simulator",
        [
            python,
            "-m",
            "protocols.mqtt.simulator",
            "--host",
            MQTT_HOST,
            "--port",
            str(MQTT_PORT),
            "--control-port",
            str(control_port),
            "--nominal",
        ],
    )
    return [broker, simulator] if embedded_broker else [simulator]


def demo_services(
    host: str, port: int, control_port: int, embedded_broker: bool = False
) -> list[Service]:
    """The simulators, the poller, the scheduled jobs and the web server, in the order they
    start."""
    python = sys.executable
    return [
        Service(
            "simulator",
            [
                python,
                "-m",
                "protocols.mara.simulator",
                str(PROFILE),
                "--control-port",
                str(control_port),
                "--field-delay",
                str(FIELD_DELAY),
            ],
        ),
        *(
            Service(name, [python, "-m", "protocols.modbus.simulator", *arguments])
            for name, arguments in MODBUS_SIMULATORS
            if has_section(SITE, "modbus_devices")
        ),
        *(
            mqtt_services(embedded_broker, control_port + 12)
            if has_section(SITE, "mqtt_brokers")
            else []
        ),
        Service("poller", [python, "manage.py", "poll"]),
        Service("jobs", [python, "manage.py", "jobs"]),
        Service(
            "web server",
            [
                python,
                "-m",
                "uvicorn",
                "smve.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
                "--timeout-graceful-shutdown",
                "2",
            ],
        ),
    ]


def has_section(path: Path, key: str) -> bool:
    """Whether a profile file, or a file it includes, has a non-empty ``key`` section
    (``modbus_devices``, ``mqtt_brokers``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    included = [item if isinstance(item, str) else item["file"] for item in data.get("include", [])]
    return bool(data.get(key)) or any(has_section(ROOT / name, key) for name in included)


def mqtt_broker_line(embedded: bool) -> str:
    """What the launcher says about the MQTT broker it uses."""
    where = f"{MQTT_HOST}:{MQTT_PORT}"
    if embedded:
        return f"  MQTT broker: none answered on {where}, so an embedded amqtt broker runs there\n"
    return f"  MQTT broker: the one already answering on {where} (Mosquitto)\n"


def run(services: list[Service], environment: dict[str, str], ready_message: str) -> int:
    """Start ``services``, wait for a signal or for one to exit, stop all; exit status."""
    stop = threading.Event()
    received: list[str] = []

    def on_signal(number: int, frame: FrameType | None) -> None:
        received.append(signal.Signals(number).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for service in services:
            service.process = subprocess.Popen(
                service.argv, cwd=ROOT, env=environment, start_new_session=True
            )
        print(ready_message, flush=True)
        ended = _wait(services, stop)
    finally:
        _stop_all(services)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if ended is None:
        print(f"\nSMVE demo stopped ({received[0] if received else 'signal'}).", flush=True)
        return 0
    assert ended.process is not None
    print(
        f"\nSMVE demo: the {ended.name} exited (status {ended.process.returncode}); "
        "the demo is stopped. Its messages above say why.",
        file=sys.stderr,
        flush=True,
    )
    return 1


def _wait(services: list[Service], stop: threading.Event) -> Service | None:
    """The service that exited first, or None when a signal asked to stop."""
    while not stop.wait(0.2):
        for service in services:
            if service.process is not None and service.process.poll() is not None:
                return service
    return None


def _stop_all(services: list[Service]) -> None:
    """SIGTERM to each still running, the last started first; SIGKILL after a while."""
    for service in reversed(services):
        process = service.process
        if process is None or process.poll() is not None:
            continue
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="web server address")
    parser.add_argument("--port", type=int, default=8000, help="web server port")
    parser.add_argument(
        "--control-port", type=int, default=9760, help="the simulator's control port"
    )
    options = parser.parse_args(argv)
    environment = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    url = f"http://{options.host}:{options.port}/"
    mqtt = has_section(SITE, "mqtt_brokers")
    embedded = mqtt and not broker_answers(MQTT_HOST, MQTT_PORT)
    logins = ", ".join(f"{name} / {name}" for name in LOGINS)
    message = (
        f"\nSMVE demo running: open {url}\n"
        f"  logins (user / password): {logins}\n"
        f"  the simulated field's control port: 127.0.0.1:{options.control_port} "
        "(docs/mara.md)\n"
        f"{mqtt_broker_line(embedded) if mqtt else ''}"
        "  Ctrl-C stops it.\n"
    )
    return run(
        demo_services(options.host, options.port, options.control_port, embedded),
        environment,
        message,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
