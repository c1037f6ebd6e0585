"""Payload paths and mappings on the detector's own payloads (shared docs/devices.md s. 3)."""

from __future__ import annotations

import pytest

from protocols.mqtt.errors import BadPath, MalformedPayload
from protocols.mqtt.payload import (
    DataType,
    Field,
    Index,
    PayloadMapping,
    PayloadPath,
    Select,
    parse_document,
)

HV_STATUS = (
    b'[{"number": 0, "on": 1, "vreq": 1500.0}, {"number": 1, "on": 0, "vreq": 0.0},'
    b' {"number": 2, "on": true, "vreq": 12}]'
)


def mapping(
    path: str, data_type: DataType = DataType.FLOAT, scale: float = 1.0, offset: float = 0.0
) -> PayloadMapping:
    return PayloadMapping(PayloadPath.parse(path), data_type, scale=scale, offset=offset)


def test_paths_parse_and_print_back() -> None:
    assert PayloadPath.parse("").steps == ()
    assert PayloadPath.parse("meas1").steps == (Field("meas1"),)
    path = PayloadPath.parse("[number == 0].vreq")
    assert path.steps == (Select("number", 0), Field("vreq"))
    assert PayloadPath.parse("[number==0].vreq") == path
    assert PayloadPath.parse('a.b[2][name == "x"]').steps == (
        Field("a"),
        Field("b"),
        Index(2),
        Select("name", "x"),
    )
    for text in ("meas1", "[number == 0].vreq", "a.b[2]", '[name == "x"].on'):
        assert str(PayloadPath.parse(text)) == text


@pytest.mark.parametrize(
    "text", ["[", "[number == ].vreq", "[number == oops]", "a..b", "[k == [1]]", "a b"]
)
def test_bad_paths_are_refused(text: str) -> None:
    with pytest.raises(BadPath):
        PayloadPath.parse(text)


def test_a_list_element_selected_by_its_key() -> None:
    document = parse_document(HV_STATUS)
    assert mapping("[number == 0].vreq").read(HV_STATUS, document) == 1500.0
    assert mapping("[number == 1].on", DataType.BOOL).read(HV_STATUS) is False
    assert mapping("[number == 2].on", DataType.BOOL).read(HV_STATUS) is True
    assert mapping("[number == 2].vreq", DataType.INT).read(HV_STATUS) == 12
    assert mapping("[1].number", DataType.INT).read(HV_STATUS) == 1


def test_a_selector_does_not_take_true_for_one() -> None:
    payload = b'[{"number": true, "v": 1}, {"number": 1, "v": 2}]'
    assert mapping("[number == 1].v").read(payload) == 2.0


def test_json_fields_plain_payloads_scale_and_offset() -> None:
    assert mapping("meas1").read(b'{"meas1": 21.5, "meas2": 3}') == 21.5
    assert mapping("meas2", scale=10.0, offset=-1.0).read(b'{"meas1": 21.5, "meas2": 3}') == 29.0
    reading = b'{"sensor": "th1", "measurement": "temperature", "value": "23.25"}'
    assert mapping("value").read(reading) == 23.25
    assert mapping("sensor", DataType.TEXT).read(reading) == "th1"
    assert mapping("").read(b" 12.5\n") == 12.5
    assert mapping("", DataType.BOOL).read(b"off") is False
    assert mapping("", DataType.TEXT).read(b"running") == "running"
    assert mapping("", DataType.INT, scale=0.5).read(b"7") == 3.5


@pytest.mark.parametrize(
    ("path", "data_type", "payload"),
    [
        ("[number == 9].vreq", DataType.FLOAT, HV_STATUS),
        ("[number == 0].volts", DataType.FLOAT, HV_STATUS),
        ("meas1", DataType.FLOAT, HV_STATUS),
        ("meas1", DataType.FLOAT, b'{"meas1": "high"}'),
        ("meas1", DataType.FLOAT, b'{"meas1": NaN}'),
        ("meas1", DataType.FLOAT, b'{"meas1": null}'),
        ("meas1", DataType.FLOAT, b'{"meas1": true}'),
        ("meas1", DataType.FLOAT, b"{broken"),
        ("meas1", DataType.FLOAT, b"\xff\xfe"),
        ("[3]", DataType.FLOAT, b"[1, 2]"),
        ("", DataType.FLOAT, b"garbage"),
        ("", DataType.BOOL, b"maybe"),
        ("", DataType.INT, b"1.5"),
        ("meas1", DataType.TEXT, b'{"meas1": {"a": 1}}'),
    ],
)
def test_malformed_payloads_give_no_value(path: str, data_type: DataType, payload: bytes) -> None:
    with pytest.raises(MalformedPayload):
        mapping(path, data_type).read(payload)
