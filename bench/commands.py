"""Commands end to end: from operate through the REST API to the feedback seen by a page
following the site stream; and the COMasters' poll lateness with commands in flight.

A fresh PostgreSQL database ``smve_bench_commands`` holds the demo substation with its
commands (a quiet field: the DIs change only when commanded), polled every second by the
real poller (``manage.py poll``) from the Mara simulator, and served
by uvicorn. For each command the bench selects and operates a feeder breaker over HTTP
(token of an operator) and, as the control panel does, reads the request on each revision
of the site stream (``/api/stream?topic=site``) until it has ended: the time from the
operate's POST to the first read that shows ``success`` is the command's latency. The
breakers are opened and closed in turn, one command at a time, on both COMasters.

The target: p95 within the point's poll interval plus 300 ms.

Lateness: the poller's ``smve_poll_lateness_seconds`` histogram (metrics port), p99 over
windows with commands in flight and over windows of the same length without, interleaved
round by round (bench/measure.py's rule), medians, and their ratio. Target: p99 under
200 ms with commands in flight.

Run (PostgreSQL on 127.0.0.1): ``python -m bench.commands [--commands 50] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.database import create_database
from bench.poll_metrics import metrics, quantile
from bench.poll_processes import free_port, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "smve_bench_commands"
URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
POLL_INTERVAL = 1.0
FIELD_DELAY = 0.0
"""The simulator answers at once by default: the target is the software's own latency
(waiting for the next poll, and 300 ms for everything else); ``--field-delay`` adds a
breaker's travel time."""
ENDED = {"success", "no_feedback", "failed", "refused", "cancelled", "expired"}
LATENESS = "smve_poll_lateness_seconds"


def prepare(workdir: Path) -> Path:
    """A fresh database with the quiet demo substation (on free ports) and an operator;
    returns the profile file the simulator serves."""
    create_database(URL, fresh=True)
    os.environ.update(DATABASE_URL=URL, DJANGO_SETTINGS_MODULE="smve.settings", DEBUG="1")
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from poll.profiles import load_profile

    call_command("migrate", verbosity=0)
    data = json.loads((ROOT / "fixtures" / "demo_substation.json").read_text())
    data["alarms"] = []
    for comaster in data["comasters"]:
        comaster["port"] = free_port()
        comaster["poll_interval"] = POLL_INTERVAL
        for ied in comaster["ieds"]:
            for di in ied["di"]:
                di["sim"] = {"value": di.get("sim", {}).get("value", 0), "flip_per_hour": 0}
            for ai in ied["ai"]:
                ai["sim"] = {"raw": ai.get("sim", {}).get("raw", 1000), "spread": 0}
    path = workdir / "profile.json"
    path.write_text(json.dumps(data))
    load_profile(data, activate=True)
    user = User.objects.create_user("bench-operator")  # signs in with a token only
    user.groups.add(Group.objects.get(name="operator"))
    return path


def token() -> str:
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    made, _ = Token.objects.get_or_create(user=User.objects.get(username="bench-operator"))
    return str(made.key)


@contextmanager
def process(argv: list[str], log: Path, **extra: Any) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "DATABASE_URL": URL, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    started = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"), **extra
    )
    try:
        yield started
    finally:
        stop(started)


@contextmanager
def web_server(workdir: Path) -> Iterator[int]:
    """uvicorn on a socket bound here (requests wait in its backlog until it is up)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    argv = [sys.executable, "-m", "uvicorn", "smve.asgi:application", "--no-access-log"]
    argv += ["--fd", str(listener.fileno()), "--log-level", "warning"]
    argv += ["--timeout-keep-alive", "600"]  # the API connection idles in quiet windows
    with process(argv, workdir / "web.log", pass_fds=(listener.fileno(),)):
        yield listener.getsockname()[1]
    listener.close()


class SiteStream:
    """The site stream, read in a thread: ``wait_beyond(n)`` returns once a revision after
    ``n`` has arrived (an event, not a sleep)."""

    def __init__(self, port: int, key: str) -> None:
        self.latest = 0
        self._changed = threading.Condition()
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self._connection.request(
            "GET", "/api/stream?topic=site", headers={"Authorization": f"Token {key}"}
        )
        response = self._connection.getresponse()
        assert response.status == 200, response.status
        threading.Thread(target=self._read, args=(response,), daemon=True).start()

    def _read(self, response: Any) -> None:
        for raw in response:
            line = raw.decode().strip()
            if line.startswith("data:"):
                with self._changed:
                    self.latest = json.loads(line[5:])["revision"]
                    self._changed.notify_all()

    def wait_beyond(self, revision: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.latest > revision, timeout)
            return self.latest


class Api:
    def __init__(self, port: int, key: str) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self._headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body)
        self._connection.request(method, path, data, self._headers)
        response = self._connection.getresponse()
        answer = json.loads(response.read() or b"null")
        assert response.status == 200, (method, path, response.status, answer)
        return answer


def one_command(api: Api, stream: SiteStream, command_id: int, deadline: float) -> float:
    """Select, operate, then read the request on each site revision until it ends; the
    seconds from the operate's POST to the read that shows success."""
    api.call("POST", f"/api/commands/{command_id}/select/", {})
    seen = stream.latest
    start = time.perf_counter()
    request = api.call("POST", f"/api/commands/{command_id}/operate/", {})
    while request["state"] not in ENDED:
        if time.perf_counter() - start > deadline:
            raise RuntimeError(f"command {command_id} did not end: {request}")
        seen = stream.wait_beyond(seen, deadline)
        request = api.call("GET", f"/api/command-requests/{request['id']}/")
    if request["state"] != "success":
        raise RuntimeError(f"command {command_id} ended {request['state']}: {request['result']}")
    return time.perf_counter() - start


def breaker_commands(api: Api) -> list[tuple[int, int]]:
    """(Open id, Close id) of each feeder breaker."""
    listed = api.call("GET", "/api/commands/?page_size=100")["results"]
    by_tag: dict[str, dict[str, int]] = {}
    for command in listed:
        if "89I0" in command["tag"]:
            by_tag.setdefault(command["tag"], {})[command["label"]] = command["id"]
    return [(ids["Open"], ids["Close"]) for _, ids in sorted(by_tag.items())]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.commands")
    parser.add_argument("--commands", type=int, default=50, help="commands timed in all")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the lateness pair")
    parser.add_argument("--logs", help="keep the processes' logs in this folder")
    parser.add_argument(
        "--field-delay", type=float, default=FIELD_DELAY, help="the simulated breaker's travel"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as temporary:
        workdir = Path(args.logs) if args.logs else Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        profile = prepare(workdir)
        key = token()
        metrics_port, control_port = free_port(), free_port()
        simulator = [sys.executable, "-m", "protocols.mara.simulator", str(profile)]
        simulator += ["--field-delay", str(args.field_delay), "--control-port", str(control_port)]
        poller = [sys.executable, "manage.py", "poll", "--metrics-port", str(metrics_port)]
        with (
            process(simulator, workdir / "simulator.log"),
            process(poller, workdir / "poller.log"),
            web_server(workdir) as port,
        ):
            wait_for(lambda: online(metrics_port), 120, "both COMasters online")
            api, stream = Api(port, key), SiteStream(port, key)
            pairs = breaker_commands(api)
            report(run(args, api, stream, pairs, metrics_port), args)
    return 0


def online(port: int) -> bool:
    try:
        return metrics(port).get("smve_poll_comasters_online", 0.0) >= 2
    except OSError:
        return False


def run(
    args: argparse.Namespace, api: Api, stream: SiteStream, pairs: list[tuple[int, int]], port: int
) -> dict[str, Any]:
    """Rounds of: a window without commands, then a window of commands, in turn first;
    the lateness p99 of each window, and every command's latency."""
    per_round = max(1, -(-args.commands // args.rounds))
    latencies: list[float] = []
    quiet_p99: list[float] = []
    busy_p99: list[float] = []
    turn = 0
    for round_number in range(args.rounds):
        order = ["quiet", "busy"] if round_number % 2 == 0 else ["busy", "quiet"]
        busy_seconds = 0.0
        for window in order:
            start = metrics(port)
            began = time.perf_counter()
            if window == "busy":
                for _ in range(per_round):
                    open_id, close_id = pairs[turn % len(pairs)]
                    command = close_id if (turn // len(pairs)) % 2 else open_id
                    latencies.append(one_command(api, stream, command, 30.0))
                    turn += 1
                busy_seconds = time.perf_counter() - began
            else:
                time.sleep(busy_seconds or per_round * POLL_INTERVAL)
            (busy_p99 if window == "busy" else quiet_p99).append(
                quantile(start, metrics(port), LATENESS, 0.99)
            )
    return {"latencies": latencies, "quiet": quiet_p99, "busy": busy_p99}


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    latencies = result["latencies"]
    target = POLL_INTERVAL + 0.3 + args.field_delay
    p95 = percentile(latencies, 0.95)
    print(
        f"commands: {len(latencies)} operate->success seen on the site stream: "
        f"p50 {1000 * percentile(latencies, 0.5):.0f} ms, p95 {1000 * p95:.0f} ms, "
        f"max {1000 * max(latencies):.0f} ms (target p95 <= poll interval + 300 ms"
        f"{f' + field delay {args.field_delay} s' if args.field_delay else ''} = "
        f"{1000 * target:.0f} ms: {'met' if p95 <= target else 'NOT met'})"
    )
    quiet, busy = statistics.median(result["quiet"]), statistics.median(result["busy"])
    ratios = [b / q for b, q in zip(result["busy"], result["quiet"], strict=True) if q > 0]
    ratio = statistics.median(ratios) if ratios else float("nan")
    print(
        f"poll lateness p99 (median of {args.rounds} rounds): without commands "
        f"{1000 * quiet:.1f} ms, with commands in flight {1000 * busy:.1f} ms, "
        f"ratio {ratio:.2f} (target with commands < 200 ms: "
        f"{'met' if busy < 0.2 else 'NOT met'})"
    )


if __name__ == "__main__":
    sys.exit(main())
