"""Fixtures of the Mara tests: the shared test data, a test profile, and a private
Twisted reactor running in a thread for the tests over real TCP."""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from twisted.internet.selectreactor import SelectReactor

from .support import ROOT


def shared_data_dir() -> Path:
    """Where the shared Mara test data lives: ``$SMVE_SHARED_DATA`` or ``../shared/data``."""
    return Path(os.environ.get("SMVE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "mara"


@pytest.fixture(scope="session")
def mara_data() -> Path:
    folder = shared_data_dir()
    if not folder.is_dir():
        pytest.skip(
            f"shared Mara test data not found at {folder}; set SMVE_SHARED_DATA to the folder "
            "that holds mara/vectors.txt and mara/capture-2014-01-14.hex"
        )
    return folder


@pytest.fixture(scope="session")
def vectors(mara_data: Path) -> list[tuple[str, str]]:
    """(hex frame, expected JSON line) pairs of vectors.txt."""
    lines = [
        line
        for line in (mara_data / "vectors.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) % 2 == 0, "vectors.txt holds frame/expectation pairs"
    return list(zip(lines[0::2], lines[1::2], strict=True))


@pytest.fixture(scope="session")
def capture(mara_data: Path) -> list[bytes]:
    """The captured replies, one frame per line."""
    text = (mara_data / "capture-2014-01-14.hex").read_text()
    return [bytes.fromhex(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def thread_reactor() -> Iterator[SelectReactor]:
    """A reactor of our own, running in a thread, so that tests talk to simulators over
    real sockets with plain blocking clients (and the global reactor stays untouched)."""
    reactor = SelectReactor()
    thread = threading.Thread(
        target=reactor.run, kwargs={"installSignalHandlers": False}, daemon=True
    )
    thread.start()
    yield reactor
    reactor.callFromThread(reactor.stop)
    thread.join(timeout=10)
