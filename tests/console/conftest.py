"""A live site for browser tests: the demo substation with its screens and formulas, the
web server (uvicorn), and, for the live tests, the Mara simulator and the poller; and a
headless Chromium driven by Playwright.

The browser is Debian's Chromium at /usr/bin/chromium (Playwright's own browsers are never
downloaded); without it the browser tests are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.hmi.asgi_server import Server, asgi_server
from tests.poll.acquisition.processes import Poller, Simulator, database_url, quiet_profile

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
SCREENS = [
    ROOT / "fixtures" / "screens" / f"{name}.svg"
    for name in ("Overview", "E4 Los Aromos", "E5 Ruta 22", "Plant", "Meters", "Detector")
]
"""The demo's drawings: the substation's, and the plant's, meters' and detector's screens
that the overview links to (drawn without their sites' points and formulas here)."""
FORMULAS = ROOT / "fixtures" / "demo_formulas.json"
FAST_POLLING = {"poll_interval": 0.2, "reply_timeout": 0.3, "attempts": 2}
"""Faster than the admin allows, so that a stopped COMaster is offline within a second."""
VIEWPORT = {"width": 1600, "height": 900}
SERVER_SETTINGS = "smve.test_settings"
"""The test settings' password hasher, so that the server accepts the logins made here."""


@dataclass
class Site:
    server: Server
    simulator: Simulator | None = None
    poller: Poller | None = None
    screens: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


def load_demo(profile_data: dict[str, Any]) -> dict[str, int]:
    """The profile, its screens and formulas, and the demo logins; screen ids by name."""
    from hmi.formula_loader import load_formulas, read_formula_file
    from hmi.models import Screen
    from hmi.screen_import import import_files
    from poll.models import COMaster
    from poll.profiles import load_profile

    profile = load_profile(profile_data, activate=True)
    _, refused = import_files(profile, SCREENS)
    assert not refused
    report = load_formulas(profile, read_formula_file(FORMULAS))
    assert not report.problems
    COMaster.objects.update(**FAST_POLLING)
    call_command("create_demo_users", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return dict(Screen.objects.filter(profile=profile).values_list("name", "pk"))


@pytest.fixture
def web_site(tmp_path: Path, transactional_db: None) -> Iterator[Site]:
    """The demo site served, with no field behind it."""
    screens = load_demo(quiet_profile(tmp_path / "profile.json"))
    with asgi_server(DJANGO_SETTINGS_MODULE=SERVER_SETTINGS) as server:
        yield Site(server, screens=screens)


@pytest.fixture
def live_site(tmp_path: Path, transactional_db: None) -> Iterator[Site]:
    """The demo site with its field: the simulator (DIs change only when told to) and the
    poller, polling fast."""
    profile_path = tmp_path / "profile.json"
    screens = load_demo(quiet_profile(profile_path))
    simulator = Simulator(profile_path, tmp_path)
    poller = Poller(tmp_path, database_url(connection.settings_dict))
    try:
        with asgi_server(DJANGO_SETTINGS_MODULE=SERVER_SETTINGS) as server:
            yield Site(server, simulator, poller, screens)
    finally:
        poller.stop()
        simulator.stop()


@dataclass
class Browser:
    """Pages of one headless Chromium, each recording script errors and CSP violations."""

    chromium: Any
    problems: list[str] = field(default_factory=list)

    def page(self) -> Any:
        context = self.chromium.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)
        return page

    def _console(self, message: Any) -> None:
        if re.search(r"Content.Security.Policy", message.text, re.IGNORECASE):
            self.problems.append(f"CSP: {message.text}")


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API runs an event loop in this thread; the tests' own
    # database calls stay synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            driven = Browser(chromium)
            yield driven
            assert not driven.problems, driven.problems
        finally:
            chromium.close()


def log_in(browser: Browser, site: Site, username: str, next_path: str = "/") -> Any:
    """A page logged in as ``username`` (password = name), showing ``next_path``."""
    page = browser.page()
    page.goto(f"{site.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", username)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    return page


def save_screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
