"""Production settings: ``manage.py check --deploy`` is clean with the environment of
deploy/smve.env.example, and the site behind nginx redirects plain HTTP and sends HSTS."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.hmi.asgi_server import asgi_server

EXAMPLE_ENV = ROOT / "deploy" / "smve.env.example"


def production_environment() -> dict[str, str]:
    """The example file's settings, with a real secret key in place of its placeholder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.pop("DEBUG", None)
    for line in EXAMPLE_ENV.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def test_check_deploy_is_clean_with_the_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_production_redirects_plain_http_and_tells_browsers_to_keep_to_https(db):
    production = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}
    with asgi_server(**production, ALLOWED_HOSTS="127.0.0.1") as server:
        status, headers, _ = server.get("/accounts/login/")
        assert status == 301
        assert headers["Location"] == f"https://127.0.0.1:{server.port}/accounts/login/"
        # nginx says the client came over TLS; uvicorn trusts it from 127.0.0.1.
        status, headers, _ = server.get("/accounts/login/", {"X-Forwarded-Proto": "https"})
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
