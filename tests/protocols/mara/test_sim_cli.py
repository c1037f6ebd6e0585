"""The simulator's command line: it serves, it answers, and it stops cleanly on a signal."""

import json
import signal
import subprocess
import sys

import pytest

from protocols.mara import DigitalEvent, PollReply, encode_poll
from tests.protocols.simulation import process

from .support import ROOT, TIMEOUT, ControlClient, MaraClient, profile_document


def start_simulator(*arguments: str) -> process.SimulatorProcess:
    """``python -m protocols.mara.simulator`` in a subprocess."""
    return process.SimulatorProcess(
        "protocols.mara.simulator", *arguments, cwd=ROOT, timeout=TIMEOUT
    )


@pytest.fixture
def profile_path(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile_document()))
    return path


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_serves_and_stops_cleanly(profile_path, tmp_path, signal_number: int) -> None:
    ledger = tmp_path / "ledger.jsonl"
    simulator = start_simulator(
        str(profile_path),
        "--port-base=0",
        "--control-port=0",
        f"--ledger={ledger}",
        "--speed=10",
        "--seed=3",
        "--split=7",
    )
    try:
        control = ControlClient(simulator.ports["control"])
        assert control(cmd="set_di", comaster="E5", tag="E5DI03", value=1)["changed"]
        client = MaraClient(simulator.ports["E5"])
        reply = client.request(encode_poll(2, 0x40, 9))
        assert [
            (event.port, event.bit) for event in reply.payload_as(PollReply).events_of(DigitalEvent)
        ] == [(0, 3)]
        assert control(cmd="get_state")["comasters"]["E4"]["faults"]["split"] == 7
        client.close()
        control.close()
    finally:
        status = simulator.stop(signal_number)
    assert status == 0
    assert len(ledger.read_text().splitlines()) == 1, "the ledger is flushed on the way out"


def test_bad_profile_or_option_is_reported(profile_path, tmp_path) -> None:
    missing = subprocess.run(
        [sys.executable, "-m", "protocols.mara.simulator", str(tmp_path / "none.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    bad_fault = subprocess.run(
        [sys.executable, "-m", "protocols.mara.simulator", str(profile_path), "--drop=2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad_fault.returncode == 2 and "probability" in bad_fault.stderr
