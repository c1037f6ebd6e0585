"""The processes of the poller bench: the simulators (one per share of the COMasters),
and stopping and waiting for what the bench starts."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Simulator:
    """One simulator process, its control connection and its ledger."""

    process: subprocess.Popen
    control: Callable[..., dict[str, Any]]
    ledger: Path

    def flush_ledger(self) -> int:
        """Flush the ledger; the number of events handed out so far, all in the file."""
        return int(self.control("flush_ledger")["recorded"])


@contextmanager
def simulators(
    profiles: list[Path], workdir: Path, point_at: Callable[[dict[str, int]], None]
) -> Iterator[list[Simulator]]:
    """A simulator per profile file, on ports the system picks; ``point_at`` is told each
    one's ``{COMaster: port}`` before its control connection is handed out."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(_simulator(profile, workdir, index, point_at))
            for index, profile in enumerate(profiles)
        ]


@contextmanager
def _simulator(
    profile: Path, workdir: Path, index: int, point_at: Callable[[dict[str, int]], None]
) -> Iterator[Simulator]:
    ledger, log = workdir / f"ledger-{index}.jsonl", workdir / f"simulator-{index}.log"
    ledger.unlink(missing_ok=True)  # a kept folder's earlier run
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.poll_load", "simulate", str(profile)]
        + ["--port-base", "0", "--control-port", "0"]
        + ["--ledger", str(ledger), "--seed", str(index + 1)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log.open("wb"),
    )
    try:
        ports = listen_ports(process, log)
        port = ports.pop("control")
        point_at(ports)
        connection = wait_for(lambda: _connect(port, process, log), 120, "the simulator")
        replies = connection.makefile("rb")

        def control(cmd: str, **request: Any) -> dict[str, Any]:
            connection.sendall(json.dumps({"cmd": cmd, **request}).encode() + b"\n")
            return json.loads(replies.readline())

        yield Simulator(process, control, ledger)
        connection.close()
    finally:
        stop(process)


def listen_ports(process: subprocess.Popen, log: Path) -> dict[str, int]:
    """``{name: port}`` from the simulator's ``NAME listening on HOST:PORT`` lines, up to
    the control interface's, which comes last."""
    assert process.stdout is not None
    ports: dict[str, int] = {}
    while "control" not in ports:
        line = process.stdout.readline().decode()
        if not line:
            raise RuntimeError(f"the simulator exited:\n{log.read_text()[-2000:]}")
        name, found, address = line.strip().partition(" listening on ")
        if found:
            ports[name] = int(address.rpartition(":")[2])
    return ports


def _connect(port: int, process: subprocess.Popen, log: Path) -> socket.socket | None:
    if process.poll() is not None:
        raise RuntimeError(f"the simulator exited:\n{log.read_text()[-2000:]}")
    try:
        return socket.create_connection(("127.0.0.1", port), timeout=180)
    except OSError:
        return None


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return result
