"""Brokers for the MQTT tests: the real Mosquitto on 127.0.0.1:1883 (started by ``.ci/run``
when it is down), and a second Mosquitto this module starts with a TLS listener, a test CA
and a password file, on a free port."""

from __future__ import annotations

import getpass
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

MOSQUITTO = "/usr/sbin/mosquitto"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def broker_port() -> int:
    """The plain broker of the tests (Mosquitto on 1883)."""
    if not _answers(1883):
        pytest.skip("no MQTT broker on 127.0.0.1:1883 (start mosquitto)")
    return 1883


@pytest.fixture
def topic_root() -> str:
    """A topic prefix of this test alone, so that tests sharing the broker never cross."""
    return f"/smve-test/{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class TlsBroker:
    port: int
    ca_file: Path
    username: str
    password: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="session")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBroker]:
    """A Mosquitto with only a TLS listener (certificate of a CA made here) and a password file."""
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    folder = tmp_path_factory.mktemp("tls-broker")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=SMVE test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        cwd=folder,
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        cwd=folder,
    )
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
        cwd=folder,
    )
    (folder / "passwords").write_text("")
    subprocess.run(
        ["mosquitto_passwd", "-b", str(folder / "passwords"), "detector", "s3cret"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    (folder / "mosquitto.conf").write_text(
        f"listener {port} 127.0.0.1\n"
        f"cafile {folder / 'ca.crt'}\n"
        f"certfile {folder / 'server.crt'}\nkeyfile {folder / 'server.key'}\n"
        f"allow_anonymous false\npassword_file {folder / 'passwords'}\n"
        "log_dest stderr\nlog_type all\npersistence false\n"
        # Mosquitto started by root drops to user "mosquitto", who cannot read our files.
        f"user {getpass.getuser()}\n"
    )
    process = subprocess.Popen(
        [MOSQUITTO, "-c", str(folder / "mosquitto.conf")],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "running" in line:
                break
        else:
            pytest.fail(f"the TLS mosquitto did not start (exit {process.wait()})")
        threading.Thread(target=process.stderr.read, daemon=True).start()
        yield TlsBroker(port, folder / "ca.crt", "detector", "s3cret")
    finally:
        process.terminate()
        process.wait(timeout=10)
