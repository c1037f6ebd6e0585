"""Fixtures of the Modbus tests: a private Twisted reactor running in a thread, for the
tests over real TCP."""

import threading
from collections.abc import Iterator

import pytest
from twisted.internet.selectreactor import SelectReactor


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
