"""Run the whole test suite on SQLite, then on PostgreSQL when one is reachable.

PostgreSQL is used when TEST_DATABASE_URL is set, or when a server answers on
127.0.0.1:5432 (then as postgres://postgres@127.0.0.1:5432/smve). The summary says which
databases ran; the exit status is non-zero if a run failed or if no test ran at all.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/smve"


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return LOCAL_POSTGRES
    except OSError:
        return None


def run_suite(label: str, database_url: str, extra: list[str]) -> tuple[int, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1", "SMVE_TEST_DB_LABEL": label}
    print(f"\n=== Test suite on {label} ({database_url}) ===", flush=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    last = ""
    for line in proc.stdout:
        sys.stdout.write(line)
        if line.strip():
            last = line.strip()
    return proc.wait(), last


def main(argv: list[str]) -> int:
    suites = [("SQLite", f"sqlite:///{ROOT / 'var' / 'test.sqlite3'}")]
    (ROOT / "var").mkdir(exist_ok=True)
    pg = postgres_url()
    if pg:
        suites.append(("PostgreSQL", pg))
    results = [(label, *run_suite(label, url, argv)) for label, url in suites]
    print("\n=== Summary ===")
    failed = False
    for label, code, last in results:
        ran = bool(re.search(r"\d+ passed", last))
        ok = code == 0 and ran
        failed |= not ok
        print(f"{label}: {'passed' if ok else 'FAILED'} ({last})")
    if not pg:
        print("PostgreSQL: not run (set TEST_DATABASE_URL or start a server on 127.0.0.1:5432)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
