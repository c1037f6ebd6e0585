"""gunicorn's settings for SMVE's web server (``gunicorn --config deploy/gunicorn.conf.py``):
the hooks that keep the web tier's Prometheus metrics right with several workers.

Each worker counts its own streams and requests (``smve.web_metrics``); with
``PROMETHEUS_MULTIPROC_DIR`` set (``/run/smve-metrics`` in production, made by
deploy/tmpfiles-smve.conf) it keeps them in files there, and ``GET /metrics`` adds up every
worker's files whichever worker answers. So the folder is emptied when the server starts
(files of a previous run would be counted again), and a worker that exits has its live
gauges (streams open) dropped, while its counters stay counted.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess


def on_starting(server: Any) -> None:
    """Before the first worker: an empty metrics folder (made if missing)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended (or was killed): its streams are no longer open."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
