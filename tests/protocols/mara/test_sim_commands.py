"""Commands to the simulated COMaster: a configured error port, and the demo's feeder
breakers each on a port bit of its own (one command moves one breaker)."""

import json
from pathlib import Path

from protocols.mara import LogicalPortCommand, encode_logical_port_command, encode_port_command

from .sim_support import make_harness

DEMO_PROFILE = Path(__file__).resolve().parents[3] / "fixtures" / "demo_substation.json"


def test_a_configured_error_port_answers_the_error_echo_and_moves_nothing() -> None:
    harness = make_harness(error_ports=frozenset({0}))
    before = harness.device.state()["di"]["E4DI01"]
    echo = harness.request(encode_logical_port_command(1, 0x40, 1, port=0, bit=1, state=0))
    assert echo is not None and echo.payload_as(LogicalPortCommand).failed
    assert harness.device.state()["di"]["E4DI01"] == before


def test_each_demo_feeder_breaker_moves_alone() -> None:
    document = json.loads(DEMO_PROFILE.read_text(encoding="utf-8"))
    for comaster in document["comasters"]:
        breakers = [
            di
            for ied in comaster["ieds"]
            for di in ied["di"]
            if di["description"].endswith("breaker")
        ]
        wiring = {(di["port"], di["bit"]) for di in breakers}
        assert len(wiring) == len(breakers) == 4, comaster["name"]
        harness = make_harness(comaster["name"], document=document, seed=1)
        for seq, breaker in enumerate(breakers, start=1):
            before = harness.device.state()["di"]
            command = encode_port_command(
                comaster["address"], 0x40, seq, port=breaker["port"], bit=breaker["bit"],
                state=1 - before[breaker["tag"]],
            )  # fmt: skip
            assert harness.request(command) is not None
            after = harness.device.state()["di"]
            changed = {tag for tag in after if after[tag] != before[tag]}
            assert changed == {breaker["tag"]}, (comaster["name"], changed)
