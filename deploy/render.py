"""The files of deploy/ for another place: a prefix, ports and a user of your choice.

The supervisor and nginx files in deploy/ are the production ones, ready to install as
they are (/srv/smve, port 443, user ``smve``). This module rewrites their production
values for another site, so that the deployment test (tests/deploy/) starts the very files
ops install, not a copy that could drift. A production value that is no longer in a file
stops the rendering: a renamed path fails loudly instead of leaking /srv/smve into a test.

It also writes the two main configuration files that Debian's packages provide in
production (``/etc/supervisor/supervisord.conf``, ``/etc/nginx/nginx.conf``), for an
unprivileged prefix: pid files, sockets, logs and temporary files all under it.

    python deploy/render.py PREFIX [--https-port N] ...   # prints what it wrote
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
CODE = DEPLOY.parent
SITE_FILES = ("supervisor-smve.conf", "nginx-smve.conf")


@dataclass(frozen=True)
class Site:
    """Where and as whom SMVE runs; the defaults are the production values of deploy/."""

    prefix: Path
    code: Path = CODE
    venv_bin: Path = field(default_factory=lambda: Path(sys.executable).parent)
    user: str = field(default_factory=getpass.getuser)
    server_name: str = "127.0.0.1"
    https_port: int = 443
    http_port: int = 80
    web_port: int = 8000
    metrics_port: int = 9108
    web_workers: int = 3

    @property
    def conf(self) -> Path:
        return self.prefix / "conf"

    @property
    def run(self) -> Path:
        return self.prefix / "run"

    @property
    def log(self) -> Path:
        return self.prefix / "log"

    @property
    def tls(self) -> Path:
        return self.prefix / "tls"

    @property
    def static(self) -> Path:
        return self.prefix / "static"

    @property
    def metrics_dir(self) -> Path:
        """The web workers' shared Prometheus folder (``PROMETHEUS_MULTIPROC_DIR``)."""
        return self.run / "smve-metrics"

    @property
    def env_file(self) -> Path:
        return self.conf / "smve.env"

    @property
    def supervisord_conf(self) -> Path:
        return self.conf / "supervisord.conf"

    @property
    def supervisor_socket(self) -> Path:
        return self.run / "supervisor.sock"

    @property
    def nginx_conf(self) -> Path:
        return self.conf / "nginx.conf"

    def replacements(self) -> dict[str, str]:
        """Production value -> this site's, applied longest first (so that
        ``/srv/smve/.venv/bin/`` wins over ``/srv/smve``)."""
        return {
            "/srv/smve/.venv/bin/": f"{self.venv_bin}/",
            "/srv/smve/static/": f"{self.static}/",
            "/srv/smve": str(self.code),
            "/var/log/smve": str(self.log),
            "/run/smve-metrics": str(self.metrics_dir),
            "/etc/ssl/smve": str(self.tls),
            "user=smve": f"user={self.user}",
            "scada.example.net": self.server_name,
            "listen 443 ssl": f"listen {self.https_port} ssl",
            "listen 80;": f"listen {self.http_port};",
            "127.0.0.1:8000": f"127.0.0.1:{self.web_port}",
            "--metrics-port 9108": f"--metrics-port {self.metrics_port}",
            "--workers 3": f"--workers {self.web_workers}",
        }


def render_text(text: str, replacements: dict[str, str], name: str) -> str:
    """``text`` with each production value found in it replaced."""
    found = False
    for old in sorted(replacements, key=len, reverse=True):
        if old in text:
            found = True
            text = text.replace(old, replacements[old])
    if not found:
        raise ValueError(f"{name}: none of the production values is in it any more")
    return text


def supervisord_main(site: Site) -> str:
    """What /etc/supervisor/supervisord.conf says in production, under the prefix. The
    programs find the environment file through SMVE_ENV_FILE (read by deploy/with-env)."""
    return f"""\
[unix_http_server]
file={site.supervisor_socket}
chmod=0700

[supervisord]
logfile={site.log}/supervisord.log
pidfile={site.run}/supervisord.pid
childlogdir={site.log}
environment=SMVE_ENV_FILE="{site.env_file}"

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{site.supervisor_socket}

[include]
files = {site.conf}/supervisor-smve.conf
"""


def nginx_main(site: Site) -> str:
    """What /etc/nginx/nginx.conf says in production, under the prefix."""
    temp = "\n".join(
        f"    {kind}_temp_path {site.run}/nginx-{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Workers run as the site's user, who owns the static files (as root only: otherwise
    # nginx keeps the user it was started as).
    user = f"user {site.user};\n" if os.geteuid() == 0 else ""
    return f"""\
{user}worker_processes 1;
worker_rlimit_nofile 8192;
pid {site.run}/nginx.pid;
error_log {site.log}/nginx-error.log;
events {{
    # Each live stream holds two connections (browser and web server): Debian's default
    # of 768 per worker would cap a worker at fewer than 400 streams.
    worker_connections 4096;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {site.log}/nginx-access.log;
{temp}
    include {site.conf}/nginx-smve.conf;
}}
"""


def render(site: Site) -> list[Path]:
    """Write the site's files and make its directories; returns the files written."""
    for directory in (site.conf, site.run, site.log, site.tls, site.static):
        directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SITE_FILES:
        target = site.conf / name
        target.write_text(render_text((DEPLOY / name).read_text(), site.replacements(), name))
        written.append(target)
    site.supervisord_conf.write_text(supervisord_main(site))
    site.nginx_conf.write_text(nginx_main(site))
    return [*written, site.supervisord_conf, site.nginx_conf]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", type=Path)
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--http-port", type=int, default=8080)
    parser.add_argument("--web-port", type=int, default=8000)
    parser.add_argument("--metrics-port", type=int, default=9108)
    args = parser.parse_args(argv)
    site = Site(
        prefix=args.prefix.resolve(),
        https_port=args.https_port,
        http_port=args.http_port,
        web_port=args.web_port,
        metrics_port=args.metrics_port,
    )
    for path in render(site):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
