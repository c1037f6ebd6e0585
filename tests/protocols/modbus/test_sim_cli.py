"""The simulators' command line: they serve, answer, and stop cleanly on a signal."""

import signal
import subprocess
import sys

import pytest

from tests.protocols.simulation import process

from .support import ROOT, TIMEOUT, ControlClient, RawClient


def start_simulator(*arguments: str) -> process.SimulatorProcess:
    """``python -m protocols.modbus.simulator`` in a subprocess."""
    return process.SimulatorProcess(
        "protocols.modbus.simulator", *arguments, cwd=ROOT, timeout=TIMEOUT
    )


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_plants_serve_and_stop_cleanly(signal_number: int) -> None:
    simulator = start_simulator("plant", "--count=2", "--port-base=0", "--control-port=0")
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
    simulator = start_simulator(
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
    simulator = start_simulator(
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
