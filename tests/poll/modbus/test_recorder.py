"""ModbusRecorder without a network: values to batches, alarm edges, exception replies,
link changes."""

from __future__ import annotations

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.history_policy import HistoryPolicy
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.modbus.config import ModbusDeviceConfig, ModbusPointSpec
from poll.acquisition.modbus.mapping import ModbusLayout, ModbusMapper
from poll.acquisition.modbus.recorder import ModbusRecorder
from protocols.modbus import ExceptionReply
from protocols.modbus.client import DeviceSettings, FailedTry


def spec(point_id: int, tag: str, table: str, address: int, **fields) -> ModbusPointSpec:
    values = {
        "kind": "di" if table == "coil" else "ai",
        "data_type": "bool" if table == "coil" else "uint16",
        "word_order": "ABCD",
        "bit": None,
        "escala": 1.0,
        "value_offset": 0.0,
        "history": HistoryPolicy(0.0, 0, 900_000_000),
        "inverted": False,
        "alarm": False,
        "writable": False,
        **fields,
    }
    return ModbusPointSpec(point_id, tag=tag, table=table, address=address, **values)


CONFIG = ModbusDeviceConfig(
    id=7,
    profile_id=1,
    name="PLC",
    settings=DeviceSettings(
        host="127.0.0.1", port=5020, unit=1, poll_interval=0.5, reply_timeout=0.5
    ),
    points=(
        spec(1, "LEVEL", "holding_register", 0, history=HistoryPolicy(0.5, 0, 900_000_000)),
        spec(2, "ESTOP", "coil", 1, alarm=True),
        spec(3, "RUN", "coil", 2),
    ),
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000

    def __call__(self) -> int:
        self.now += 500_000
        return self.now


def recorder() -> tuple[ModbusRecorder, list[WriteBatch]]:
    batches: list[WriteBatch] = []
    status = LinkStatus.initial(7)
    mapper = ModbusMapper(ModbusLayout(CONFIG))
    return ModbusRecorder(mapper, status, batches.append, PollerMetrics(), Clock()), batches


def test_first_answer_brings_the_device_online_with_every_value() -> None:
    sink, batches = recorder()
    sink.values_received({"LEVEL": 2.5, "ESTOP": False, "RUN": True}, 0.01)
    (batch,) = batches
    assert [row.reason for row in batch.link_events] == [1]
    assert {change.point_id: change.value for change in batch.points.values()} == {
        1: 2.5,
        2: 0.0,
        3: 1.0,
    }
    assert batch.links["modbus_devices"][7].online and not batch.events
    sink.values_received({"LEVEL": 2.5, "ESTOP": False, "RUN": True}, 0.01)
    assert not batches[1].points and not batches[1].samples  # nothing changed


def test_an_alarm_coil_going_on_is_one_event_with_a_stable_key() -> None:
    sink, batches = recorder()
    sink.values_received({"ESTOP": False, "RUN": False}, 0.01)
    sink.values_received({"ESTOP": True, "RUN": True}, 0.01)
    (event,) = batches[1].events
    assert (event.di_id, event.value, event.comaster_id) == (2, 1, None)
    assert event.dedup_key == f"mb7:coil:1:{event.time}"
    assert WriteBatch.from_json(batches[1].to_json()).events == [event]
    sink.values_received({"ESTOP": True, "RUN": True}, 0.01)
    assert not batches[2].events
    assert sink.status.events_received == 1


def test_an_exception_reply_marks_its_points_not_current_and_decodes_nothing() -> None:
    sink, batches = recorder()
    sink.values_received({"LEVEL": 2.5}, 0.01)
    sink.exception_reply(["LEVEL"], ExceptionReply(3, 2))
    change = batches[1].points[1]
    assert (change.value, change.current) == (None, False)  # None: the stored value stays
    assert sink.status.exceptions == 1
    assert sink.status.last_error == "exception 2 (ILLEGAL_DATA_ADDRESS) reading LEVEL"


def test_going_offline_is_recorded_once() -> None:
    sink, batches = recorder()
    sink.values_received({"LEVEL": 2.5}, 0.01)
    sink.try_failed(None, 1, FailedTry.TIMEOUT, "no reply")  # type: ignore[arg-type]
    sink.link_down("no answer after 3 tries")
    sink.link_down("cannot connect")
    assert len(batches) == 2
    assert [row.reason for row in batches[1].link_events] == [0]
    assert not batches[1].points[1].current
    batch = WriteBatch()
    sink.add_status(batch)
    assert batch.links["modbus_devices"][7].last_error == "cannot connect"
    assert batch.links["modbus_devices"][7].timeouts == 1
