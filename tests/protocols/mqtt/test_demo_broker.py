"""The demo's embedded broker (amqtt), started as `make demo` starts it when no broker
answers on 1883, here on a free port: a subscriber hears what a publisher sends, with the
topics and payloads of the detector."""

from __future__ import annotations

import subprocess
import sys
import threading

import paho.mqtt.publish
import paho.mqtt.subscribe

from protocols.mqtt.broker import READY, broker_answers
from tests.conftest import ROOT
from tests.poll.acquisition.processes import free_port


def test_the_embedded_broker_carries_messages_and_stops_on_sigterm() -> None:
    port = free_port()
    assert not broker_answers("127.0.0.1", port)
    broker = subprocess.Popen(
        [sys.executable, "-m", "protocols.mqtt.broker", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert broker.stdout is not None
        assert broker.stdout.readline().startswith(f"{READY} 127.0.0.1:{port}")
        assert broker_answers("127.0.0.1", port)
        subscribed = threading.Event()
        received: list[tuple[str, bytes]] = []

        def listen() -> None:
            def on_connect(client, userdata, flags, reason, properties=None) -> None:
                client.subscribe("/hv/#")

            def on_subscribe(*args: object) -> None:
                subscribed.set()

            def on_message(client, userdata, message) -> None:
                received.append((message.topic, message.payload))
                client.disconnect()

            import paho.mqtt.client as mqtt

            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
            client.on_connect = on_connect
            client.on_subscribe = on_subscribe
            client.on_message = on_message
            client.connect("127.0.0.1", port)
            client.loop_forever()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert subscribed.wait(20)
        status = b'[{"number": 0, "on": 1, "vreq": 1500.0}]'
        paho.mqtt.publish.single("/hv/status", status, hostname="127.0.0.1", port=port)
        listener.join(20)
        assert received == [("/hv/status", status)]
    finally:
        broker.terminate()
        assert broker.wait(10) == 0
