"""Modbus devices in the field model: one source per point, register maps expanded by
profile files, the admin page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from poll.models import AI, DI, ModbusDevice, Point, Profile
from poll.profiles import export_profile, load_profile, read_profile_file
from tests.conftest import ROOT

PLANT = ROOT / "fixtures" / "wastewater_plant.json"
BUILDING = ROOT / "fixtures" / "building_meters.json"
DEMO_SITE = ROOT / "fixtures" / "demo_site.json"


@pytest.fixture
def device(db) -> ModbusDevice:
    profile = Profile.objects.create(name="site")
    return ModbusDevice.objects.create(profile=profile, name="PLC", host="127.0.0.1")


def modbus_ai(device: ModbusDevice, tag: str, **fields) -> AI:
    values = {"table": "holding_register", "address": 0, "data_type": "uint16", **fields}
    return AI.objects.create(modbus_device=device, tag=tag, **values)


def test_a_modbus_point_takes_the_profile_of_its_device(device) -> None:
    point = modbus_ai(device, "LEVEL", escala=0.01)
    assert point.profile_id == device.profile_id and point.ied_id is None


def test_a_point_has_exactly_one_source(device, demo_profile) -> None:
    mara = Point.objects.filter(ied__isnull=False).first()
    assert mara is not None
    mara.modbus_device = device
    with pytest.raises(IntegrityError), transaction.atomic():
        mara.save(update_fields=["modbus_device"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Point.objects.create(profile=device.profile, kind="ai", tag="ORPHAN")


def test_a_modbus_point_needs_where_it_sits(device) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AI.objects.create(modbus_device=device, tag="NOWHERE")


def test_mara_constraints_do_not_apply_to_modbus_points(device) -> None:
    DI.objects.create(modbus_device=device, tag="A", table="coil", address=1, data_type="bool")
    DI.objects.create(modbus_device=device, tag="B", table="coil", address=2, data_type="bool")
    assert DI.objects.filter(port__isnull=True).count() == 2


def test_the_plant_file_expands_its_register_map(db) -> None:
    profile = load_profile(read_profile_file(PLANT))
    (plc,) = profile.modbus_devices.all()
    assert (plc.port, plc.poll_interval, plc.framing) == (5020, 0.5, "tcp")
    assert plc.points.count() == 62  # 57 of the device page, the blowers (4), the high level
    level = AI.objects.get(tag="PLT_LEVEL")
    assert (level.table, level.address, level.escala, level.unit) == (
        "holding_register",
        0,
        0.01,
        "m",
    )
    assert level.deadband == 0.02  # the file's override of the map
    estop = DI.objects.get(tag="PLT_ALM_ESTOP")
    assert (estop.table, estop.address, estop.alarm, estop.text_on) == ("coil", 1, True, "ALARM")
    assert DI.objects.get(tag="PLT_CMD_START").writable


def test_the_building_file_prefixes_each_meter(db) -> None:
    profile = load_profile(read_profile_file(BUILDING))
    meters = profile.modbus_devices.order_by("unit")
    assert [(m.name, m.unit, m.framing) for m in meters] == [
        (f"F0{n}", n, "rtu") for n in range(1, 7)
    ]
    power = AI.objects.get(tag="F03_P2")
    assert (power.modbus_device.name, power.address, power.data_type) == ("F03", 0x0E, "float32")
    assert not Point.objects.filter(tag="F01_BAUD").exists()  # not among the chosen tags


def test_reloading_an_export_keeps_the_points(db) -> None:
    profile = load_profile(read_profile_file(PLANT))
    exported = export_profile(profile)
    before = dict(Point.objects.values_list("tag", "pk"))
    load_profile(exported)
    assert dict(Point.objects.values_list("tag", "pk")) == before


def test_the_demo_site_includes_all_three_sites(db) -> None:
    profile = load_profile(read_profile_file(DEMO_SITE))
    assert profile.comasters.count() == 2
    assert profile.modbus_devices.count() == 7
    meters = ModbusDevice.objects.filter(name__startswith="F")
    assert set(meters.values_list("poll_interval", flat=True)) == {10.0}


def test_the_device_page_loads_for_an_engineer(client, role_user) -> None:
    profile = load_profile(read_profile_file(PLANT))
    client.force_login(role_user("engineer"))
    device = profile.modbus_devices.get()
    page = client.get(f"/admin/poll/modbusdevice/{device.pk}/change/")
    assert page.status_code == 200 and b"PLT_LEVEL" in page.content
    listing = client.get(f"/admin/poll/ai/?modbus_device__id__exact={device.pk}")
    assert listing.status_code == 200 and b"PLT_O2" in listing.content
    level = AI.objects.get(tag="PLT_LEVEL")
    assert client.get(f"/admin/poll/ai/{level.pk}/change/").status_code == 200


def test_modbus_points_are_served_by_the_api(client, role_user) -> None:
    load_profile(read_profile_file(PLANT), activate=True)
    client.force_login(role_user("viewer"))
    reply = client.get("/api/points/?tag=PLT_LEVEL")
    assert reply.status_code == 200, reply.content
    assert b"PLT_LEVEL" in reply.content


def problems(obj) -> dict[str, list[str]]:
    try:
        obj.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


@pytest.mark.parametrize(
    ("framing", "unit", "valid"),
    [
        ("rtu", 1, True),
        ("rtu", 247, True),
        ("rtu", 0, False),  # the serial broadcast: nobody answers
        ("rtu", 248, False),
        ("tcp", 0, True),
        ("tcp", 255, True),
        ("tcp", 250, False),
        ("tcp", 256, False),
    ],
)
def test_a_unit_id_is_one_the_framing_can_reach(device, framing, unit, valid) -> None:
    device.framing, device.unit = framing, unit
    assert (problems(device) == {}) is valid
    if not valid:
        assert list(problems(device)) == ["unit"]
        assert len(problems(device)["unit"]) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("port", 0), ("attempts", 0), ("attempts", 11), ("poll_interval", 0.1), ("host", "a b")],
)
def test_a_device_value_outside_its_range_is_refused(device, field, value) -> None:
    setattr(device, field, value)
    assert list(problems(device)) == [field]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "ai", "address": 65536}, "address"),
        ({"kind": "ai", "address": 65535, "data_type": "float32"}, "address"),  # 2 registers
        ({"kind": "ai", "data_type": "bool"}, "data_type"),
        ({"kind": "di", "data_type": "float32"}, "data_type"),
        ({"kind": "ai", "escala": 0.0}, "escala"),
        ({"kind": "di", "table": "discrete_input", "data_type": "bool", "writable": True}, None),
        ({"kind": "di", "data_type": "bool", "bit": 16}, "bit"),
    ],
)
def test_a_modbus_point_the_device_cannot_hold_is_refused(device, fields, field) -> None:
    values = {"table": "holding_register", "address": 0, "data_type": "uint16", **fields}
    point = Point(modbus_device=device, tag="X", **values)
    found = problems(point)
    assert list(found) == ["__all__" if field is None else field], found


def test_the_last_register_takes_a_one_register_value(device) -> None:
    point = Point(
        modbus_device=device,
        kind="ai",
        tag="X",
        table="input_register",
        address=65535,
        data_type="uint16",
    )
    assert problems(point) == {}


def test_the_migration_makes_retries_attempts_with_one_meaning(transactional_db) -> None:
    """A COMaster's retries counted every try, a Modbus device's those after the first."""
    executor = MigrationExecutor(connection)
    before, after = [("poll", "0004_modbus_devices")], [("poll", "0005_attempts")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    profile = old.get_model("poll", "Profile").objects.create(name="old")
    old.get_model("poll", "COMaster").objects.create(profile=profile, name="E4", retries=3)
    old.get_model("poll", "ModbusDevice").objects.create(profile=profile, name="PLC", retries=2)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    assert new.get_model("poll", "COMaster").objects.get().attempts == 3
    assert new.get_model("poll", "ModbusDevice").objects.get().attempts == 3
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    assert old.get_model("poll", "ModbusDevice").objects.get().retries == 2
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
