"""The commands' feeder of the poller: registered with the acquisition core, and each
claimed request routed to the link that owns its point."""

from __future__ import annotations

from pymodbus.framer import FramerSocket
from pymodbus.pdu import DecodePDU
from pymodbus.pdu import bit_message as pm_bits
from pymodbus.pdu import register_message as pm_registers

from commands.dispatch import Claimed
from commands.poller import CommandFeeder, Route, modbus_write, route
from poll.acquisition.requests import request_feeder_factories
from poll.models import COMaster
from protocols.modbus import DataType, Table, ValueFormat, encode_pdu, encode_tcp
from protocols.modbus import Point as ModbusPoint


def test_the_commands_feeder_is_registered_with_the_poller() -> None:
    assert CommandFeeder in request_feeder_factories()


def test_a_mara_command_goes_to_the_comaster_of_its_point(breaker) -> None:
    claimed = Claimed(1, breaker.kind, dict(breaker.target), 0.0, breaker.point_id)
    assert route(claimed) == Route("mara", COMaster.objects.get(name="E4").pk)


def test_a_modbus_command_on_a_point_of_no_device_is_routed_nowhere_with_a_reason(
    setpoint,
) -> None:
    claimed = Claimed(1, setpoint.kind, dict(setpoint.target), 5.0, setpoint.point_id)
    where = route(claimed)
    assert where.link_id is None and where.problem == "the point is on no Modbus device"


def test_an_mqtt_command_on_a_point_of_no_mqtt_device_is_routed_nowhere(breaker) -> None:
    claimed = Claimed(1, "mqtt_publish", {"topic": "t"}, 1.0, breaker.point_id)
    where = route(claimed)
    assert where.link_id is None and where.problem == "the point is on no MQTT device"


def test_a_kind_the_poller_does_not_send_is_routed_nowhere_with_a_reason(breaker) -> None:
    claimed = Claimed(1, "carrier_pigeon", {}, 1.0, breaker.point_id)
    where = route(claimed)
    assert where.link_id is None and "not sent by the poller yet" in where.problem


def _pymodbus_frame(pdu_object) -> bytes:
    return FramerSocket(DecodePDU(is_server=True)).buildFrame(pdu_object)


def test_a_coil_command_writes_function_5_as_pymodbus_does() -> None:
    point = ModbusPoint("K1", Table.COIL, 3, ValueFormat(DataType.BOOL))
    request = modbus_write(point, "modbus_coil", {"address": 12}, 1.0)
    reference = pm_bits.WriteSingleCoilRequest(address=12, bits=[True], dev_id=1, transaction_id=9)
    assert encode_tcp(9, 1, encode_pdu(request)) == _pymodbus_frame(reference)


def test_a_register_command_writes_the_points_format_as_pymodbus_does() -> None:
    scaled = ModbusPoint("SP", Table.HOLDING_REGISTER, 3, ValueFormat(DataType.UINT16, scale=0.1))
    single = modbus_write(scaled, "modbus_register", {"address": 40}, 12.5)
    reference = pm_registers.WriteSingleRegisterRequest(
        address=40, registers=[125], dev_id=1, transaction_id=9
    )
    assert encode_tcp(9, 1, encode_pdu(single)) == _pymodbus_frame(reference)

    wide = ModbusPoint("F", Table.INPUT_REGISTER, 3, ValueFormat(DataType.FLOAT32))
    double = modbus_write(wide, "modbus_register", {"address": 41}, 1.5)
    wide_reference = pm_registers.WriteMultipleRegistersRequest(
        address=41, registers=[0x3FC0, 0x0000], dev_id=1, transaction_id=9
    )
    assert encode_tcp(9, 1, encode_pdu(double)) == _pymodbus_frame(wide_reference)
