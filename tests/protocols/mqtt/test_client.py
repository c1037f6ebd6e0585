"""The broker connection against the real Mosquitto: subscribe, wildcards, reconnect and
resubscribe after the broker drops the connection, TLS with the test CA, a wrong password."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiomqtt

from protocols.link.scheduling import Backoff
from protocols.mqtt.client import BrokerConnection, BrokerSettings

from .conftest import TlsBroker

WAIT = 10.0
"""Seconds before a test gives up waiting for an event that should come at once."""


class Recorder:
    """A sink whose events a test awaits in order."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def connected(self) -> None:
        self.events.put_nowait(("connected", None))

    def disconnected(self, reason: str) -> None:
        self.events.put_nowait(("disconnected", reason))

    def message(self, topic: str, payload: bytes) -> None:
        self.events.put_nowait(("message", (topic, payload)))

    async def next(self) -> tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), WAIT)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 4 * WAIT))


async def publish(port: int, *messages: tuple[str, bytes]) -> None:
    async with aiomqtt.Client("127.0.0.1", port) as client:
        for topic, payload in messages:
            await client.publish(topic, payload, qos=1)


FAST = Backoff(0.05, 0.2)


def test_messages_on_subscribed_topics_and_wildcards_only(
    broker_port: int, topic_root: str
) -> None:
    async def body() -> None:
        sink = Recorder()
        connection = BrokerConnection(
            BrokerSettings("127.0.0.1", broker_port),
            [f"{topic_root}/hv/status", f"{topic_root}/sensor/+/temperature"],
            sink,
            FAST,
        )
        connection.start()
        assert await sink.next() == ("connected", None)
        await publish(
            broker_port,
            (f"{topic_root}/lv/status", b"not mine"),
            (f"{topic_root}/hv/status", b'[{"number": 0, "on": 1, "vreq": 5.0}]'),
            (f"{topic_root}/sensor/th1/humidity", b"not mine either"),
            (f"{topic_root}/sensor/th1/temperature", b'{"value": 21.5}'),
        )
        assert await sink.next() == (
            "message",
            (f"{topic_root}/hv/status", b'[{"number": 0, "on": 1, "vreq": 5.0}]'),
        )
        assert await sink.next() == (
            "message",
            (f"{topic_root}/sensor/th1/temperature", b'{"value": 21.5}'),
        )
        await connection.stop()
        assert sink.events.empty()

    run(body)


def test_reconnects_and_resubscribes_after_the_broker_drops_it(
    broker_port: int, topic_root: str
) -> None:
    async def body() -> None:
        sink = Recorder()
        client_id = f"smve-test-{topic_root.rsplit('/', 1)[-1]}"
        connection = BrokerConnection(
            BrokerSettings("127.0.0.1", broker_port, client_id=client_id),
            [f"{topic_root}/#"],
            sink,
            FAST,
        )
        connection.start()
        assert await sink.next() == ("connected", None)
        # A second client with the same id takes the session over: the broker drops ours.
        async with aiomqtt.Client("127.0.0.1", broker_port, identifier=client_id):
            kind, reason = await sink.next()
            assert kind == "disconnected" and reason
        while (event := await sink.next())[0] != "connected":
            assert event[0] == "disconnected"
        await publish(broker_port, (f"{topic_root}/after", b"1"))
        assert await sink.next() == ("message", (f"{topic_root}/after", b"1"))
        assert connection.failures == 0
        await connection.stop()

    run(body)


def test_tls_with_the_test_ca_and_a_password(tls_broker: TlsBroker, topic_root: str) -> None:
    async def body() -> None:
        sink = Recorder()
        settings = BrokerSettings(
            "localhost",
            tls_broker.port,
            username=tls_broker.username,
            password=tls_broker.password,
            tls=True,
            ca_file=str(tls_broker.ca_file),
        )
        connection = BrokerConnection(settings, [f"{topic_root}/status"], sink, FAST)
        connection.start()
        assert await sink.next() == ("connected", None)
        await connection.publish(f"{topic_root}/status", b"42")
        assert await sink.next() == ("message", (f"{topic_root}/status", b"42"))
        await connection.stop()

    run(body)


def test_a_wrong_password_is_refused_with_a_clear_status(
    tls_broker: TlsBroker, topic_root: str
) -> None:
    async def body() -> None:
        sink = Recorder()
        settings = BrokerSettings(
            "localhost",
            tls_broker.port,
            username=tls_broker.username,
            password="wrong",
            tls=True,
            ca_file=str(tls_broker.ca_file),
        )
        connection = BrokerConnection(settings, [f"{topic_root}/status"], sink, FAST)
        connection.start()
        kind, reason = await sink.next()
        await connection.stop()
        assert kind == "disconnected"
        assert "not authori" in reason.lower(), reason

    run(body)


def test_a_broker_certificate_from_another_ca_is_refused(
    tls_broker: TlsBroker, topic_root: str
) -> None:
    async def body() -> None:
        sink = Recorder()
        settings = BrokerSettings(
            "localhost",
            tls_broker.port,
            username=tls_broker.username,
            password=tls_broker.password,
            tls=True,
        )
        connection = BrokerConnection(settings, [f"{topic_root}/status"], sink, FAST)
        connection.start()
        kind, reason = await sink.next()
        await connection.stop()
        assert kind == "disconnected" and "certificate" in reason.lower(), reason

    run(body)
