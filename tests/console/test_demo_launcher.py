"""scripts/demo.py: starts its processes, stops them all when one exits or on a signal."""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
from types import ModuleType

from tests.conftest import ROOT


def launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_launcher", ROOT / "scripts" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_when_one_process_exits_the_others_are_stopped_and_the_reason_is_said(capsys):
    demo = launcher()
    services = [
        demo.Service("sleeper", python("import time; time.sleep(60)")),
        demo.Service("web server", python("import sys; sys.exit(3)")),
    ]
    assert demo.run(services, dict(os.environ), "ready") == 1
    assert services[0].process.returncode == -signal.SIGTERM
    output = capsys.readouterr()
    assert "ready" in output.out
    assert "the web server exited (status 3)" in output.err


def test_a_signal_stops_every_process(capsys):
    demo = launcher()
    services = [demo.Service(name, python("import time; time.sleep(60)")) for name in "ab"]
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        assert demo.run(services, dict(os.environ), "ready") == 0
    finally:
        timer.cancel()
    assert [s.process.returncode for s in services] == [-signal.SIGTERM, -signal.SIGTERM]
    assert "SMVE demo stopped (SIGTERM)" in capsys.readouterr().out


def test_the_demo_runs_the_simulator_the_poller_and_the_web_server():
    demo = launcher()
    services = demo.demo_services("127.0.0.1", 8000, 9760)
    assert [s.name for s in services] == [
        "simulator",
        "plant simulator",
        "meter simulator",
        "detector simulator",
        "poller",
        "jobs",
        "web server",
    ]
    assert services[0].argv[1:] == [
        "-m",
        "protocols.mara.simulator",
        str(ROOT / "fixtures" / "demo_substation.json"),
        "--control-port",
        "9760",
        "--field-delay",
        "0.3",
    ]
    assert services[1].argv[1:4] == ["-m", "protocols.modbus.simulator", "plant"]
    assert services[2].argv[1:4] == ["-m", "protocols.modbus.simulator", "meters"]
    assert services[3].argv[1:4] == ["-m", "protocols.mqtt.simulator", "--host"]
    assert services[4].argv[1:] == ["manage.py", "poll"]
    assert services[5].argv[1:] == ["manage.py", "jobs"]
    assert "smve.asgi:application" in services[6].argv


def test_without_a_broker_on_1883_the_demo_starts_its_embedded_one_first():
    demo = launcher()
    names = [s.name for s in demo.demo_services("127.0.0.1", 8000, 9760, embedded_broker=True)]
    assert names.index("embedded MQTT broker") + 1 == names.index("detector simulator")
    assert "embedded amqtt broker" in demo.mqtt_broker_line(True)
    assert "Mosquitto" in demo.mqtt_broker_line(False)
