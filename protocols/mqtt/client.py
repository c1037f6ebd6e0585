"""The subscribing side of MQTT: one broker connection that keeps itself up.

Built on aiomqtt (paho-mqtt's protocol engine driven by asyncio), so it runs on the poller's
Twisted asyncio reactor, whose loop is asyncio's. A :class:`BrokerConnection` connects,
subscribes to its topic filters, hands every message to its :class:`ConnectionSink`, and when
the connection fails or is refused, waits a :class:`~protocols.link.scheduling.Backoff`
delay, connects again and subscribes again (a clean session forgets subscriptions; a
persistent one may too, if the broker restarted). What a message means is not its business:
the sink maps payloads into points (``payload``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import aiomqtt

from protocols.link.scheduling import Backoff

from .topics import check_filter


@dataclass(frozen=True)
class BrokerSettings:
    """Where and how to connect (a broker connection of the model)."""

    host: str
    port: int = 1883
    client_id: str = ""
    username: str = ""
    password: str = ""
    tls: bool = False
    ca_file: str = ""
    """The CA that signed the broker's certificate (empty: the system's CAs)."""
    cert_file: str = ""
    """A client certificate, when the broker asks for one (with ``key_file``)."""
    key_file: str = ""
    keepalive: int = 60
    clean_session: bool = True

    def tls_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.cert_file:
            context.load_cert_chain(self.cert_file, self.key_file or None)
        return context


class ConnectionSink(Protocol):
    """Who hears what a connection does (called on the event loop)."""

    def connected(self) -> None:
        """Connected and subscribed."""

    def disconnected(self, reason: str) -> None:
        """The connection failed, was refused (``reason`` says why, as the broker put it)
        or was lost; another attempt follows after a backoff delay."""

    def message(self, topic: str, payload: bytes) -> None:
        """A message arrived on ``topic``."""


class BrokerConnection:
    """A connection to one broker, subscribed to ``filters``, kept up until :meth:`stop`."""

    def __init__(
        self,
        settings: BrokerSettings,
        filters: Sequence[str],
        sink: ConnectionSink,
        backoff: Backoff | None = None,
        qos: int = 0,
    ) -> None:
        self.settings = settings
        self.filters = tuple(sorted({check_filter(f) for f in filters}))
        self.sink = sink
        self.backoff = backoff or Backoff(1.0, 60.0)
        self.qos = qos
        self.failures = 0
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        """Run the connection on the running loop; the task ends only when stopped."""
        self._task = asyncio.get_running_loop().create_task(self._keep_up())
        return self._task

    async def stop(self) -> None:
        """Disconnect and stop trying."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def publish(self, topic: str, payload: bytes | str, qos: int = 0) -> None:
        """Publish on the live connection (:class:`aiomqtt.MqttError` if there is none)."""
        if self._client is None:
            raise aiomqtt.MqttError("not connected")
        await self._client.publish(topic, payload, qos=qos)

    async def _keep_up(self) -> None:
        while True:
            try:
                await self._session()
            except aiomqtt.MqttError as error:
                self.sink.disconnected(describe(error))
            except OSError as error:
                self.sink.disconnected(error.strerror or str(error))
            self._client = None
            await asyncio.sleep(self.backoff.delay(self.failures))
            self.failures += 1

    async def _session(self) -> None:
        settings = self.settings
        async with aiomqtt.Client(
            settings.host,
            settings.port,
            identifier=settings.client_id or None,
            username=settings.username or None,
            password=settings.password or None,
            keepalive=settings.keepalive,
            clean_session=settings.clean_session,
            tls_context=settings.tls_context(),
        ) as client:
            for topic_filter in self.filters:
                await client.subscribe(topic_filter, qos=self.qos)
            self._client = client
            self.failures = 0
            self.sink.connected()
            async for message in client.messages:
                payload = message.payload
                if isinstance(payload, str):
                    payload = payload.encode()
                elif not isinstance(payload, (bytes, bytearray)):
                    payload = b"" if payload is None else str(payload).encode()
                self.sink.message(message.topic.value, bytes(payload))


def describe(error: aiomqtt.MqttError) -> str:
    """An error as an operator reads it: ``not authorised``, not ``[code:5]``."""
    if isinstance(error, aiomqtt.MqttCodeError):
        text = str(error)
        return text.split("] ", 1)[-1] if text.startswith("[code:") else text
    cause = error.__cause__
    if isinstance(cause, aiomqtt.MqttError) and cause is not error:
        return f"{error}: {describe(cause)}"
    return str(error) or type(error).__name__
