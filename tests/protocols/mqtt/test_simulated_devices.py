"""The simulated detector devices: status payloads read back by the payload mapping,
commands obeyed or rejected without a change, the voltage ramp."""

from __future__ import annotations

import json

import pytest

from protocols.mqtt import DataType, PayloadMapping, PayloadPath
from protocols.mqtt.simulator.devices import PowerSupply, Rejected, detector_devices


def supply() -> PowerSupply:
    return PowerSupply.create("hv", 4, max_voltage=2000.0, ramp_rate=50.0)


def test_status_is_the_documented_list_and_reads_back_by_channel() -> None:
    hv = supply()
    hv.command("/hv/cmd/setv/2", b"1500")
    hv.command("/hv/cmd/switch/2", b"on")
    assert json.loads(hv.status())[2] == {"number": 2, "on": 1, "vreq": 1500.0}
    vreq = PayloadMapping(PayloadPath.parse("[number == 2].vreq"))
    on = PayloadMapping(PayloadPath.parse("[number == 2].on"), DataType.BOOL)
    assert (vreq.read(hv.status()), on.read(hv.status())) == (1500.0, True)


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("/hv/cmd/setv/4", b"10"),
        ("/hv/cmd/setv/x", b"10"),
        ("/hv/cmd/setv/0", b"high"),
        ("/hv/cmd/setv/0", b"2500"),
        ("/hv/cmd/setv/0", b"-1"),
        ("/hv/cmd/setv/0", b"nan"),
        ("/hv/cmd/switch/0", b"maybe"),
        ("/hv/cmd/switch/0", b"\xff"),
        ("/hv/cmd/reboot/0", b"now"),
        ("/lv/cmd/setv/0", b"5"),
        ("/hv/cmd/setv", b"5"),
    ],
)
def test_bad_commands_are_rejected_and_change_nothing(topic: str, payload: bytes) -> None:
    hv = supply()
    before = hv.status()
    with pytest.raises(Rejected):
        hv.command(topic, payload)
    assert hv.status() == before


def test_the_output_ramps_toward_the_request_and_back_to_zero_when_off() -> None:
    hv = supply()
    hv.command("/hv/cmd/setv/0", b"120")
    hv.advance(1.0)
    assert hv.channels[0].vout == 0.0  # off: no output
    hv.command("/hv/cmd/switch/0", b"on")
    hv.advance(1.0)
    assert hv.channels[0].vout == 50.0
    hv.advance(2.0)
    assert hv.channels[0].vout == 120.0
    hv.command("/hv/cmd/switch/0", b"off")
    hv.advance(1.0)
    assert hv.channels[0].vout == 70.0


def test_the_detector_has_the_documented_devices() -> None:
    supplies, sensor, sensors = detector_devices()
    assert [(s.name, len(s.channels)) for s in supplies] == [("hv", 4), ("lv", 4)]
    assert set(json.loads(sensor.status())) == {"meas1", "meas2"}
    assert sensor.status_topic == "/sensor_1/status"
    topics = [topic for s in sensors for topic, _ in s.readings()]
    assert "/sensor/th1/temperature" in topics and "/sensor/th2/humidity" in topics
    value = PayloadMapping(PayloadPath.parse("value"))
    readings = [value.read(p) for s in sensors for _, p in s.readings()]
    assert all(isinstance(reading, float) and 15 < reading < 60 for reading in readings)
