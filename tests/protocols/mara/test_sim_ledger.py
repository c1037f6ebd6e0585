"""The ledger of events handed out."""

import json

from protocols.mara import PollReply, decode_event
from protocols.mara.jsonform import event_as_dict
from protocols.mara.simulator.ledger import Ledger

from .sim_support import make_harness


def test_ledger_lines_hold_each_event_as_the_decode_tool_prints_it(tmp_path) -> None:
    harness = make_harness()
    ledger = Ledger(tmp_path / "ledger.jsonl")
    for value in (1, 0, 1):
        harness.clock.advance(1)
        harness.device.set_di("E4BRK05", value)
    events = harness.poll(0x10).payload_as(PollReply).events
    ledger.record("E4", events)
    ledger.flush()
    lines = [json.loads(line) for line in ledger.path.read_text().splitlines()]
    assert [line["comaster"] for line in lines] == ["E4"] * 3
    assert [line["event"] for line in lines] == [event_as_dict(event) for event in events]
    for line in lines:
        assert len(line["raw"]) == 20
        assert event_as_dict(decode_event(bytes.fromhex(line["raw"]))) == line["event"]
    assert ledger.recorded == 3
    ledger.close()
    ledger.close()


def test_ledger_appends(tmp_path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text('{"earlier": true}\n')
    ledger = Ledger(path)
    harness = make_harness()
    harness.device.set_di("E4BRK05", 1)
    ledger.record("E4", harness.poll().payload_as(PollReply).events)
    ledger.close()
    assert len(path.read_text().splitlines()) == 2
