"""The control commands and the control protocol, without sockets."""

import json
import random

from twisted.internet.testing import StringTransport

from protocols.mara import PollReply
from protocols.mara.simulator import FaultInjector, FaultSettings
from protocols.mara.simulator.control import ControlCommands
from protocols.mara.simulator.ledger import Ledger
from protocols.simulation.control_lines import ControlProtocol

from .sim_support import make_harness


def commands(ledger: Ledger | None = None):
    harnesses = {name: make_harness(name) for name in ("E4", "E5")}
    devices = {name: harness.device for name, harness in harnesses.items()}
    faults = {
        name: FaultInjector(FaultSettings(), random.Random(1), harness.clock)
        for name, harness in harnesses.items()
    }
    return ControlCommands(devices, faults, ledger), harnesses, faults


def test_set_di_changes_the_bit_and_makes_an_event() -> None:
    control, harnesses, _ = commands()
    request = {"cmd": "set_di", "comaster": "E4", "tag": "E4BRK05", "value": 1}
    assert control.execute(request) == {"ok": True, "changed": True}
    assert control.execute(request) == {"ok": True, "changed": False}
    reply = harnesses["E4"].poll().payload_as(PollReply)
    assert reply.di == (0b111,)
    assert [(event.ied, event.port, event.bit, event.status) for event in reply.events] == [
        (5, 1, 3, 1)
    ]


def test_set_ai_and_get_state() -> None:
    control, _, _ = commands()
    assert control.execute({"cmd": "set_ai", "comaster": "E5", "tag": "E5V00", "raw": 12, "q": 2})
    state = control.execute({"cmd": "get_state", "comaster": "E5"})
    assert state["ok"] and list(state["comasters"]) == ["E5"]
    e5 = state["comasters"]["E5"]
    assert e5["ai"] == {"E5V00": {"q": 2, "raw": 12}}
    assert e5["di"]["E5DI00"] == 0 and len(e5["di"]) == 20
    assert e5["faults"] == FaultSettings().as_dict() and e5["silent"] is False
    assert list(control.execute({"cmd": "get_state"})["comasters"]) == ["E4", "E5"]


def test_set_faults_for_one_or_all() -> None:
    control, _, faults = commands()
    reply = control.execute({"cmd": "set_faults", "comaster": "E5", "drop": 0.5, "split": 4})
    assert reply["ok"] and reply["faults"]["E5"]["drop"] == 0.5
    assert faults["E5"].settings == FaultSettings(drop=0.5, split=4)
    assert faults["E4"].settings == FaultSettings()
    control.execute({"cmd": "set_faults", "delay": 0.1})
    assert faults["E4"].settings.delay == faults["E5"].settings.delay == 0.1
    bad = control.execute({"cmd": "set_faults", "drop": 0.2, "corrupt": 7})
    assert bad["ok"] is False and "probability" in bad["error"]
    assert faults["E4"].settings.drop == 0.0, "nothing changes when a setting is wrong"


def test_stop_and_resume() -> None:
    control, _, faults = commands()
    control.execute({"cmd": "stop", "comaster": "E4"})
    assert faults["E4"].silent and not faults["E5"].silent
    control.execute({"cmd": "stop", "seconds": 5})
    assert control.execute({"cmd": "get_state"})["comasters"]["E5"]["silent"] is True
    control.execute({"cmd": "resume"})
    assert not faults["E4"].silent and not faults["E5"].silent


def test_flush_ledger(tmp_path) -> None:
    control, _, _ = commands()
    assert control.execute({"cmd": "flush_ledger"})["ok"] is False
    ledger = Ledger(tmp_path / "ledger.jsonl")
    control, _, _ = commands(ledger)
    assert control.execute({"cmd": "flush_ledger"}) == {"ok": True, "recorded": 0}
    ledger.close()


def test_bad_requests_get_an_error_reply() -> None:
    control, _, _ = commands()
    bad_requests: tuple[object, ...] = (
        [],
        {"cmd": "dance"},
        {"cmd": "set_di", "comaster": "E9", "tag": "X", "value": 1},
        {"cmd": "set_di", "comaster": "E4", "tag": "NOPE", "value": 1},
        {"cmd": "set_di", "comaster": "E4", "tag": "E4BRK05", "value": 2},
        {"cmd": "set_di", "comaster": "E4", "tag": "E4BRK05"},
        {"cmd": "set_di", "comaster": "E4", "tag": "E4BRK05", "value": True},
        {"cmd": "set_ai", "comaster": "E4", "tag": "E4V00", "raw": 5000},
        {"cmd": "stop", "seconds": "soon"},
    )
    for request in bad_requests:
        reply = control.execute(request)
        assert reply["ok"] is False and isinstance(reply["error"], str), request


def test_protocol_answers_a_line_with_a_line() -> None:
    control, _, _ = commands()
    protocol = ControlProtocol(control)
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(b'{"cmd":"resume"}\r\n{not json}\n')
    replies = [json.loads(line) for line in transport.value().splitlines()]
    assert replies[0] == {"ok": True}
    assert replies[1]["ok"] is False and "JSON" in replies[1]["error"]
