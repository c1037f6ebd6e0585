"""A simulator's command line run in a subprocess, for the simulators' command-line tests."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

LISTENING = re.compile(r"^(\S+) listening on 127\.0\.0\.1:(\d+)( unit \d+)?$")
"""What a simulator prints for each port it serves (a gateway's unit after the port)."""


class SimulatorProcess:
    """``python -m <module>`` in a subprocess, and the ports it reports before its control
    port (which it announces last)."""

    def __init__(self, module: str, *arguments: str, cwd: Path, timeout: float) -> None:
        self.timeout = timeout
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *arguments],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True).start()
        self.ports: dict[str, int] = {}
        while "control" not in self.ports:
            line = lines.get(timeout=timeout)
            match = LISTENING.match(line.strip())
            assert match, f"unexpected output {line!r}"
            self.ports[match[1]] = int(match[2])

    def _read(self, lines: queue.Queue[str]) -> None:
        stdout = self.process.stdout
        assert stdout is not None, "started with stdout=PIPE"
        with stdout:
            for line in stdout:
                lines.put(line)
        lines.put("<end of output>")

    def stop(self, signal_number: int) -> int:
        """Send ``signal_number`` and return the exit status."""
        self.process.send_signal(signal_number)
        status = self.process.wait(timeout=self.timeout)
        if self.process.stderr is not None:
            self.process.stderr.close()
        return status
