"""The register maps shipped as data: they hold every register and coil of the device
page, and the loader says where a bad map is wrong."""

import pytest

from protocols.modbus import DataType, RegisterMapError, Table, WordOrder, load_register_map
from protocols.modbus.register_map import parse_register_map

from .support import meter_map, plant_map


def test_plant_map_has_every_coil_and_register_of_the_device_page() -> None:
    plant = plant_map()
    coils = {e.point.address for e in plant.entries if e.point.table is Table.COIL}
    registers = {e.point.address for e in plant.entries if e.point.table is Table.HOLDING_REGISTER}
    assert coils == set(range(37)) - {24}, "33..36: the blowers (the map's own)"
    assert registers == set(range(26)), "25: the high-level setpoint (the map's own)"
    assert all(tag.startswith("PLT_") for tag in (e.point.tag for e in plant.entries))
    writable = sorted(e.point.tag for e in plant.entries if e.point.writable)
    assert "PLT_CMD_START" in writable and "PLT_P2_AER_MIN" in writable
    assert "PLT_LEVEL" not in writable
    assert plant.entry("PLT_LEVEL").point.format.scale == 0.01
    assert plant.entry("PLT_LEVEL").unit == "m"
    alarms = {e.point.address for e in plant.entries if e.alarm}
    assert alarms == {1, *range(3, 23)}


def test_meter_map_is_a_template_of_the_device_page() -> None:
    meter = meter_map()
    assert meter.template
    addresses = {(e.point.table, e.point.address) for e in meter.entries}
    inputs = [0, 2, 4, 6, 8, 0xA, 0xC, 0xE, 0x10, 0x46, 0x48, 0x4A, 0x4C, 0x4E, 0x50]
    inputs += [0xEA, 0xEC, 0xEE, 0xF8, 0x15A, 0x15C, 0x15E, 0x160, 0x162, 0x164]
    holding = [0x18, 0x1C, 0x2A, 0x2C]
    assert addresses == {(Table.INPUT_REGISTER, a) for a in inputs} | {
        (Table.HOLDING_REGISTER, a) for a in holding
    }
    assert {e.point.format.data_type for e in meter.entries} == {DataType.FLOAT32}
    assert {e.point.format.word_order for e in meter.entries} == {WordOrder.ABCD}
    points = meter.points("F01")
    assert points[0].tag == "F01_V1"
    assert meter.limits.register_gap == 0
    with pytest.raises(RegisterMapError):
        meter.points()
    with pytest.raises(RegisterMapError):
        plant_map().points("X")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "points"),
        ({"name": "m", "points": [{"tag": "A", "table": "coil", "address": 0}]}, "type"),
        (
            {"name": "m", "points": [{"tag": "A", "table": "cell", "address": 0, "type": "bool"}]},
            "table 'cell'",
        ),
        (
            {
                "name": "m",
                "points": [{"tag": "A", "table": "coil", "address": "0xZ", "type": "bool"}],
            },
            "not a number",
        ),
        (
            {"name": "m", "points": [{"tag": "A", "table": "coil", "address": 0, "type": "int16"}]},
            "plain bool",
        ),
        (
            {
                "name": "m",
                "points": [
                    {
                        "tag": "A",
                        "table": "input_register",
                        "address": 0,
                        "type": "int16",
                        "writable": True,
                    }
                ],
            },
            "writable",
        ),
        (
            {
                "name": "m",
                "points": [
                    {"tag": "A", "table": "coil", "address": 0, "type": "bool"},
                    {"tag": "A", "table": "coil", "address": 1, "type": "bool"},
                ],
            },
            "used twice",
        ),
        ({"name": "m", "limits": {"register_gap": -1}, "points": []}, "limits"),
    ],
)
def test_bad_maps(document, message) -> None:
    with pytest.raises(RegisterMapError, match=message):
        parse_register_map(document)


def test_missing_or_broken_files(tmp_path) -> None:
    with pytest.raises(RegisterMapError, match="cannot read"):
        load_register_map(tmp_path / "none.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(RegisterMapError, match="not valid JSON"):
        load_register_map(broken)
