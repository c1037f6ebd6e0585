"""The simulators' command line: they serve, answer, and stop cleanly on a signal."""

import queue
import re
import signal
import subprocess
import sys
import threading

import pytest

from .support import ROOT, TIMEOUT, ControlClient, RawClient

LISTENING = re.compile(r"^(\S+) listening on 127\.0\.0\.1:(\d+)( unit \d+)?$")


class SimulatorProcess:
    """``python -m protocols.modbus.simulator`` in a subprocess, and the ports it reports."""

    def __init__(self, *arguments: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "protocols.modbus.simulator", *arguments],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True).start()
        self.ports: dict[str, int] = {}
        while "control" not in self.ports:
            line = lines.get(timeout=TIMEOUT)
            match = LISTENING.match(line.strip())
            assert match, f"unexpected output {line!r}"
            self.ports[match[1]] = int(match[2])

    def _read(self, lines: queue.Queue) -> None:
        stdout = self.process.stdout
        assert stdout is not None, "started with stdout=PIPE"
        with stdout:
            for line in stdout:
                lines.put(line)
        lines.put("<end of output>")

    def stop(self, signal_number: int) -> int:
        self.process.send_signal(signal_number)
        status = self.process.wait(timeout=TIMEOUT)
        if self.process.stderr is not None:
            self.process.stderr.close()
        return status


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_plants_serve_and_stop_cleanly(signal_number: int) -> None:
    simulator = SimulatorProcess("plant", "--count=2", "--port-base=0", "--control-port=0")
    try:
        assert set(simulator.ports) == {"SBR01", "SBR02", "control"}
        client = RawClient(simulator.ports["SBR02"])
        reply = client.exchange(bytes.fromhex("0007 0000 0006 01 03 0008 0001"), 11)
        assert reply == bytes.fromhex("0007 0000 0005 01 03 02 0001")
        client.close()
    finally:
        status = simulator.stop(signal_number)
    assert status == 0


def test_meters_behind_rtu_gateways() -> None:
    simulator = SimulatorProcess(
        "meters",
        "--count=4",
        "--per-port=2",
        "--first-unit=5",
        "--port-base=0",
        "--control-port=0",
        "--speed=10",
    )
    try:
        assert simulator.ports["F01"] == simulator.ports["F02"] != simulator.ports["F03"]
        control = ControlClient(simulator.ports["control"])
        assert control(cmd="set_value", device="F03", tag="IMP_KWH", value=80.622)["ok"]
        control.close()
        client = RawClient(simulator.ports["F03"])
        reply = client.exchange(bytes.fromhex("05 04 00 48 00 02 F0 59"), 9)
        assert reply == bytes.fromhex("05 04 04 42 A1 3E 77 AB 98")
        client.close()
    finally:
        assert simulator.stop(signal.SIGTERM) == 0


def test_bad_options_are_reported() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "protocols.modbus.simulator", "plant", "--drop=2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "probability" in result.stderr


def test_every_fault_of_the_shared_command_line_is_offered() -> None:
    simulator = SimulatorProcess(
        "meters", "--port-base=0", "--control-port=0", "--corrupt=1", "--split=3", "--garbage=0"
    )
    try:
        control = ControlClient(simulator.ports["control"])
        state = control(cmd="get_state", device="F01")["devices"]["F01"]["faults"]
        assert (state["corrupt"], state["split"]) == (1.0, 3)
        assert control(cmd="set_value", device="F01", tag="IMP_KWH", value=80.622)["ok"]
        control.close()
        client = RawClient(simulator.ports["F01"])
        reply = client.exchange(bytes.fromhex("01 04 00 48 00 02 F1 DD"), 9)
        assert reply == bytes.fromhex("01 04 04 42 A1 3E 77 EE A7"), "CRC EE 58, last byte flipped"
        client.close()
    finally:
        assert simulator.stop(signal.SIGTERM) == 0
