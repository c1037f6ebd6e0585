"""SMVE deployed as in production, under a temporary prefix: supervisord and nginx started
from deploy/'s files (rendered by deploy/render.py), a throwaway certificate, and an https
client that keeps cookies like a browser.

The processes get a minimal environment (PATH, HOME, the locale) and read everything else
from the site's environment file through deploy/with-env, as in production; nothing of
the test process (DEBUG, DJANGO_SETTINGS_MODULE, ...) leaks into them.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from deploy.render import Site, render
from tests.conftest import ROOT
from tests.poll.acquisition.processes import SITE_ZONE, free_port, wait_until

SUPERVISORD = shutil.which("supervisord")
SUPERVISORCTL = shutil.which("supervisorctl")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
MISSING = [name for name, path in (("nginx", NGINX), ("supervisor", SUPERVISORD)) if not path]
TIMEOUT = 60.0  # a broken deployment fails the test instead of hanging it


def clean_environment(site: Site) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    return {
        **{name: os.environ[name] for name in keep if name in os.environ},
        # gunicorn keeps a control socket in $HOME: one per deployment, not per user.
        "HOME": str(site.prefix),
        "SMVE_ENV_FILE": str(site.env_file),
    }


def write_environment(site: Site, database_url: str) -> None:
    """The site's /etc/smve/smve.env: production settings (DEBUG off), the test database,
    and a poller that reconnects fast and keeps its journal under the prefix."""
    values = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": site.server_name,
        "CSRF_TRUSTED_ORIGINS": f"https://{site.server_name}:{site.https_port}",
        "TIME_ZONE": SITE_ZONE,
        "LOG_LEVEL": "INFO",
        "STATIC_ROOT": str(site.static),
        "POLL_SPOOL_DIR": str(site.prefix / "spool"),
        "POLL_BACKOFF_INITIAL": "0.05",
        "POLL_BACKOFF_MAX": "0.5",
        "POLL_CONNECT_TIMEOUT": "1",
        "POLL_STATUS_INTERVAL": "0.5",
        "POLL_HEARTBEAT_INTERVAL": "0.5",
        "ACQUISITION_STALE_SECONDS": "3",
        "SUPERVISOR_SOCKET": str(site.supervisor_socket),
    }
    site.env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    site.env_file.chmod(0o600)


def manage(site: Site, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``deploy/with-env .venv/bin/python manage.py ...`` as ops run it."""
    return subprocess.run(
        [str(ROOT / "deploy" / "with-env"), str(site.venv_bin / "python"), "manage.py", *arguments],
        cwd=ROOT,
        env=clean_environment(site),
        capture_output=True,
        text=True,
        timeout=120,
    )


def make_certificate(site: Site) -> Path:
    """A self-signed certificate for the site's address; returns it (the client's CA)."""
    certificate = site.tls / "fullchain.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(site.tls / "privkey.pem"), "-out", str(certificate),
            "-subj", f"/CN={site.server_name}",
            "-addext", f"subjectAltName=IP:{site.server_name}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate


@dataclass
class Browser:
    """An https client of the site that keeps its cookies and checks the certificate."""

    site: Site
    context: ssl.SSLContext
    cookies: dict[str, str] = field(default_factory=dict)

    def connection(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            self.site.server_name, self.site.https_port, context=self.context, timeout=TIMEOUT
        )

    @property
    def origin(self) -> str:
        return f"https://{self.site.server_name}:{self.site.https_port}"

    def headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"Cookie": cookie} if cookie else {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers={**self.headers(), **(headers or {})})
            response = conn.getresponse()
            content = response.read()
            for set_cookie in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(set_cookie).items():
                    self.cookies[name] = morsel.value
            return response.status, response.msg, content
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        return self.request("GET", path)

    def log_in(self, username: str, password: str) -> tuple[int, http.client.HTTPMessage]:
        """The login form, as a browser fills it (CSRF token, Origin and Referer)."""
        _, _, page = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "the login page has no CSRF token"
        form = urlencode(
            {"csrfmiddlewaretoken": token[1].decode(), "username": username, "password": password}
        )
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": f"{self.origin}/accounts/login/",
            },
        )
        return status, headers

    def alpn(self) -> str | None:
        """The protocol nginx picks when offered HTTP/2 and HTTP/1.1."""
        context = ssl.create_default_context(cafile=str(self.site.tls / "fullchain.pem"))
        context.set_alpn_protocols(["h2", "http/1.1"])
        address = (self.site.server_name, self.site.https_port)
        with (
            socket.create_connection(address, timeout=TIMEOUT) as raw,
            context.wrap_socket(raw, server_hostname=self.site.server_name) as tls,
        ):
            return tls.selected_alpn_protocol()


@dataclass
class Deployment:
    site: Site
    supervisord: subprocess.Popen[bytes]
    nginx: subprocess.Popen[bytes]
    browser: Browser

    def ctl(self, *arguments: str) -> str:
        """``supervisorctl`` on the site's socket; its output."""
        assert SUPERVISORCTL
        result = subprocess.run(
            [SUPERVISORCTL, "-c", str(self.site.supervisord_conf), *arguments],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        return result.stdout.strip()

    def pid(self, program: str) -> int:
        """The program's pid, 0 when it is not running."""
        text = self.ctl("pid", program)
        return int(text) if text.isdigit() else 0

    def running(self, program: str) -> int:
        """The pid once supervisor says RUNNING (after startsecs), else 0."""
        return self.pid(program) if " RUNNING " in f" {self.ctl('status', program)} " else 0

    def log(self, name: str) -> str:
        path = self.site.log / name
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def deployed(prefix: Path, database_url: str, web_workers: int = 3) -> Iterator[Deployment]:
    """Render deploy/ under ``prefix``, collect the static files, start supervisord and
    nginx, and wait until the login page answers through https."""
    assert SUPERVISORD and NGINX, MISSING
    site = Site(
        prefix=prefix,
        https_port=free_port(),
        http_port=free_port(),
        web_port=free_port(),
        metrics_port=free_port(),
        web_workers=web_workers,
    )
    render(site)
    write_environment(site, database_url)
    certificate = make_certificate(site)
    collected = manage(site, "collectstatic", "--no-input", "-v", "0")
    assert collected.returncode == 0, collected.stderr
    output = (site.log / "services.out").open("ab")
    nginx = subprocess.Popen(
        [NGINX, "-c", str(site.nginx_conf), "-e", str(site.log / "nginx-error.log"),
         "-g", "daemon off;"],
        env=clean_environment(site),
        stdout=output,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    supervisord = subprocess.Popen(
        [SUPERVISORD, "-n", "-c", str(site.supervisord_conf)],
        cwd=site.prefix,
        env=clean_environment(site),
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    browser = Browser(site, ssl.create_default_context(cafile=str(certificate)))
    deployment = Deployment(site, supervisord, nginx, browser)
    try:
        wait_until(lambda: _answers(deployment), TIMEOUT, "the login page through nginx")
        yield deployment
    finally:
        for process in (supervisord, nginx):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (supervisord, nginx):
            try:
                process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()


def _answers(deployment: Deployment) -> bool:
    for name, process in (("nginx", deployment.nginx), ("supervisord", deployment.supervisord)):
        assert process.poll() is None, f"{name} exited: {deployment.log(f'{name}-error.log')}"
    try:
        return deployment.browser.get("/accounts/login/")[0] == 200
    except OSError:
        return False


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def _established_inodes(port: int) -> set[str]:
    """Inodes of the established TCP sockets whose local port is ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            local_port = int(columns[1].rpartition(":")[2], 16)
            if local_port == port and columns[3] == "01":
                inodes.add(columns[9])
    return inodes


def worker_serving(master: int, port: int) -> int | None:
    """The gunicorn worker of ``master`` holding a connection on ``port`` (nginx's, for
    the one open stream), or None."""
    inodes = {f"socket:[{inode}]" for inode in _established_inodes(port)}
    for worker in children(master):
        fds = Path(f"/proc/{worker}/fd")
        try:
            targets = {os.readlink(fd) for fd in fds.iterdir()}
        except OSError:
            continue
        if targets & inodes:
            return worker
    return None
