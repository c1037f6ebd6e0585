"""The simulator's command line: it serves, it answers, and it stops cleanly on a signal."""

import json
import queue
import re
import signal
import subprocess
import sys
import threading

import pytest

from protocols.mara import DigitalEvent, PollReply, encode_poll

from .support import ROOT, TIMEOUT, ControlClient, MaraClient, profile_document

LISTENING = re.compile(r"^(\S+) listening on 127\.0\.0\.1:(\d+)$")


class SimulatorProcess:
    """``python -m protocols.mara.simulator`` in a subprocess, and the ports it reports."""

    def __init__(self, *arguments: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "protocols.mara.simulator", *arguments],
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


@pytest.fixture
def profile_path(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile_document()))
    return path


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_serves_and_stops_cleanly(profile_path, tmp_path, signal_number: int) -> None:
    ledger = tmp_path / "ledger.jsonl"
    simulator = SimulatorProcess(
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
