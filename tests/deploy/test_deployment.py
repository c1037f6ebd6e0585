"""The production deployment, started for real: deploy/'s supervisor and nginx files
rendered for a temporary prefix (tests/deploy/site.py), the Mara simulator in the field,
and a browser-like client over https.

It checks what ops rely on: login, a screen, the live stream through nginx unbuffered,
static files served by nginx itself, HTTP/2 offered, ``check --deploy`` clean; then
SIGKILL of the poller (supervisor starts it again and no event is lost: the simulator's
ledger is the judge) and of the web worker serving the stream (gunicorn starts another and
the stream resumes with Last-Event-ID without missing the change made meanwhile).

Needs nginx and supervisor (``.ci/run`` installs them); skipped with that message when
either is missing. Runs on PostgreSQL, the production database (skipped on SQLite).
``make deploy-check`` runs this module alone.
"""

from __future__ import annotations

import http.client
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group, User
from django.db import connection

from deploy.render import Site, render
from hmi.models import Formula, GraphicElement, Screen
from hmi.screen_import import import_drawing
from poll.models import COMaster, Point
from poll.profiles import load_profile
from tests.deploy.site import (
    MISSING,
    Browser,
    children,
    deployed,
    manage,
    worker_serving,
    write_environment,
)
from tests.hmi.asgi_server import EventStream
from tests.hmi.support import overview_drawing
from tests.poll.acquisition.checks import (
    assert_ledger_stored_once,
    event_count,
    hand_out_last_events,
    masks,
    stored_records,
)
from tests.poll.acquisition.processes import Simulator, database_url, quiet_profile, wait_until

TAG = "E4DI00"
COMASTER = "E4"
PASSWORD = "a long operator passphrase"
STREAM_LATENCY_BOUND = 10.0
"""Seconds from a field change to its message through nginx: the poller polls every
0.1 s, so a healthy site takes well under one; the bound only catches a stream held back
in a buffer (nginx would release it after minutes, or never)."""

needs_services = pytest.mark.skipif(
    bool(MISSING),
    reason=f"deployment test skipped: {' and '.join(MISSING)} not installed "
    "(apt-get install nginx supervisor; .ci/run does it)",
)


def test_rendered_files_keep_no_production_path(tmp_path: Path) -> None:
    site = Site(prefix=tmp_path, https_port=8443, http_port=8080, web_port=8001)
    texts = {path.name: path.read_text() for path in render(site)}
    for name, text in texts.items():
        for production in ("/srv/smve", "/var/log/smve", "/etc/ssl/smve", "scada.example"):
            assert production not in text, f"{name} still says {production}"
    assert "listen 8443 ssl" in texts["nginx-smve.conf"]
    assert "proxy_pass http://127.0.0.1:8001;" in texts["nginx-smve.conf"]
    assert "--bind 127.0.0.1:8001" in texts["supervisor-smve.conf"]


def test_check_deploy_is_clean_with_the_rendered_environment(tmp_path: Path) -> None:
    site = Site(prefix=tmp_path, https_port=8443)
    render(site)
    write_environment(site, "postgres://smve@127.0.0.1:5432/smve")
    result = manage(site, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.fixture
def field(tmp_path: Path, transactional_db: None) -> Iterator[dict[str, Any]]:
    """The quiet demo substation in the simulator and in the database, the overview
    screen with a formula on the DI the test flips, and an operator who may see it."""
    if connection.vendor != "postgresql":
        pytest.skip("deployment test skipped on SQLite: production runs on PostgreSQL")
    profile_file = tmp_path / "profile.json"
    data = quiet_profile(profile_file)
    profile = load_profile(data, activate=True)
    COMaster.objects.update(poll_interval=0.1, reply_timeout=0.5)
    import_drawing(profile, "overview", overview_drawing())
    Formula.objects.create(
        element=GraphicElement.objects.get(tag=TAG),
        attribute="fill",
        source=f"SI(di.{TAG}.value,1,2)",
    )
    # Hashed as production hashes (the test settings use a fast hasher it does not know).
    hasher = PBKDF2PasswordHasher()
    operator = User.objects.create_user("night-operator")
    operator.password = hasher.encode(PASSWORD, hasher.salt())
    operator.save()
    admin = User.objects.create_superuser("site-admin")
    admin.password = hasher.encode(PASSWORD, hasher.salt())
    admin.save()
    operator.groups.add(Group.objects.get(name="viewer"))
    simulator = Simulator(profile_file, tmp_path)
    try:
        yield {"profile": data, "simulator": simulator, "screen": Screen.objects.get().pk}
    finally:
        simulator.stop()


def flip(simulator: Simulator) -> int:
    """Flip the DI in the field; its new value."""
    value = 1 - simulator.state()[COMASTER]["di"][TAG]
    simulator.control("set_di", comaster=COMASTER, tag=TAG, value=value)
    return value


def fill_of(value: int) -> int:
    return 1 if value else 2


def message_with(stream: EventStream, wanted: Callable[[dict[str, Any]], bool]) -> tuple[str, dict]:
    """The id and the element of the first message whose element ``TAG`` ``wanted`` accepts."""
    for _ in range(200):
        message = stream.next_message()
        for element in message.json()["elements"]:
            if element["tag"] == TAG and wanted(element):
                assert message.id is not None
                return message.id, element
    raise AssertionError(f"{TAG} never reached the wanted state")


def read_to_the_end(stream: EventStream) -> str | None:
    """Read until the stream breaks; the last message id seen."""
    last = None
    try:
        while True:
            event = stream.next()
            last = event.id or last
    except (EOFError, http.client.IncompleteRead, OSError):
        return last


@needs_services
@pytest.mark.slow
def test_the_deployment_serves_streams_and_survives_killed_processes(
    tmp_path: Path, field: dict[str, Any]
) -> None:
    simulator: Simulator = field["simulator"]
    screen = field["screen"]
    with deployed(tmp_path / "site", database_url(connection.settings_dict)) as site:
        browser = site.browser
        assert browser.alpn() == "h2"

        # Plain HTTP is sent to https; the login works through nginx; so does a screen.
        plain = http.client.HTTPConnection("127.0.0.1", site.site.http_port, timeout=60)
        plain.request("GET", "/accounts/login/")
        assert plain.getresponse().status == 301
        plain.close()
        status, headers = browser.log_in("night-operator", PASSWORD)
        assert (status, headers["Location"]) == (302, "/"), site.log("web.log")[-2000:]
        status, _, page = browser.get(f"/screens/{screen}/")
        assert status == 200 and b"overview" in page
        status, headers, _ = browser.get("/static/console/console.css")
        assert status == 200 and headers["Cache-Control"] == "max-age=604800"
        assert headers["X-Content-Type-Options"] == "nosniff"

        # The stream, through nginx, shows a field change at once.
        stream = EventStream(browser, f"/api/stream?screen={screen}", browser.headers())  # type: ignore[arg-type]
        try:
            message_with(stream, lambda e: e["current"] and e["fill"] in (1, 2))
            flipped = time.monotonic()
            value = flip(simulator)
            last_id, _ = message_with(stream, lambda e: e["fill"] == fill_of(value))
            latency = time.monotonic() - flipped
            print(f"field change to the browser through nginx: {latency:.2f} s")
            assert latency < STREAM_LATENCY_BOUND

            # SIGKILL the poller: supervisor starts another; the change made after it
            # reaches the same stream.
            poller = wait_until(lambda: site.running("smve-poll"), 60, "the poller RUNNING")
            os.kill(poller, signal.SIGKILL)
            wait_until(lambda: site.running("smve-poll") not in (0, poller), 60, "a new poller")
            value = flip(simulator)
            last_id, _ = message_with(stream, lambda e: e["fill"] == fill_of(value))

            # SIGKILL the web worker serving the stream: the stream breaks, gunicorn
            # (under supervisor) starts another worker.
            master = site.running("smve-web")
            worker = worker_serving(master, site.site.web_port)
            assert worker, "no worker holds the stream"
            os.kill(worker, signal.SIGKILL)
            last_id = read_to_the_end(stream) or last_id
        finally:
            stream.close()
        # What changes while the browser is away is not lost: it reconnects with
        # Last-Event-ID, as browsers do, and gets it first.
        value = flip(simulator)
        wait_until(
            lambda: Point.objects.get(tag=TAG).value == value, 30, "the change in the database"
        )
        resumed = EventStream(
            browser,  # type: ignore[arg-type]
            f"/api/stream?screen={screen}",
            {**browser.headers(), "Last-Event-ID": last_id},
        )
        try:
            first = resumed.next_message()
            assert int(first.id or 0) > int(last_id)
            changed = {e["tag"]: e for e in first.json()["elements"]}
            assert changed[TAG]["fill"] == fill_of(value)
        finally:
            resumed.close()
        assert site.pid("smve-web") == master
        wait_until(lambda: len(children(master)) == 3, 30, "three web workers again")

        # No event lost or stored twice across the poller's death.
        hand_out_last_events(simulator, field["profile"], event_count)
        assert_ledger_stored_once(simulator.ledger(), masks(field["profile"]), stored_records())

        # The operations page reads supervisor over its socket, from a web worker.
        assert browser.get("/operations")[0] == 403
        admin = Browser(site.site, browser.context)
        assert admin.log_in("site-admin", PASSWORD)[0] == 302
        status, _, page = admin.get("/operations")
        assert status == 200 and b"smve-poll:smve-poll" in page and b"RUNNING" in page

        # Health for load balancers, readiness for monitoring: the poller stopped by
        # ops is noticed within the stale limit.
        assert browser.get("/healthz")[:3:2] == (200, b"ok\n")
        assert browser.get("/readyz")[0] == 200
        site.ctl("stop", "smve-poll")
        wait_until(lambda: browser.get("/readyz")[0] == 503, 30, "/readyz to see it")
        assert browser.get("/api/acquisition")[0] == 200

        # Static files come from nginx itself: they are served with the web server stopped.
        site.ctl("stop", "smve-web")
        assert browser.get("/accounts/login/")[0] == 502
        assert browser.get("/static/console/console.css")[0] == 200
        assert "Traceback" not in site.log("poll.log")


def test_systemd_units_run_what_supervisor_runs() -> None:
    """The alternative to supervisor starts the same commands, so both stay in step."""
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    supervisor = {}
    program = ""
    for line in (deploy / "supervisor-smve.conf").read_text().splitlines():
        if line.startswith("[program:"):
            program = line.removeprefix("[program:").rstrip("]")
        elif line.startswith("command="):
            supervisor[program] = line.removeprefix("command=/srv/smve/deploy/with-env ")
    for name, command in supervisor.items():
        unit = (deploy / "systemd" / f"{name}.service").read_text()
        assert f"\nExecStart={command}\n" in unit
        assert "\nEnvironmentFile=/etc/smve/smve.env\n" in unit
