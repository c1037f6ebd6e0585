"""Writing the Modbus rows of a batch: device states and link events.

There are a few devices per batch at most, so one prepared statement per row on both
databases is enough. A row naming a device deleted meanwhile updates nothing, or keeps its
event with an empty device.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from poll.acquisition.batch import WriteBatch, from_micros

UPDATE_DEVICES = """
    UPDATE poll_modbusdevice SET online = %s, state_since = %s, last_poll_at = %s,
        last_error = %s, polls = %s, timeouts = %s, bad_frames = %s, exceptions = %s,
        events_received = %s, reconnects = %s, latency_ms = %s, revision = %s
    WHERE id = %s"""
INSERT_COM_EVENTS = """
    INSERT INTO poll_comevent (profile_id, modbus_device_id, source, code, reason, text, time,
        raw, dedup_key, received_at, revision)
    VALUES (%s, (SELECT id FROM poll_modbusdevice WHERE id = %s), 'poller', %s, %s, %s, %s,
        '', %s, %s, %s)
    ON CONFLICT (dedup_key) DO NOTHING"""


def write_modbus_rows(cursor: Any, batch: WriteBatch, revision: int) -> int:
    """Write the batch's Modbus device states and link events; return how many events
    were new."""
    inserted = 0
    if batch.modbus_com_events:
        cursor.executemany(
            INSERT_COM_EVENTS,
            [
                (
                    row.profile_id,
                    row.device_id,
                    row.code,
                    row.reason,
                    row.text,
                    _time(row.time),
                    row.dedup_key,
                    _time(row.time),
                    revision,
                )
                for row in batch.modbus_com_events
            ],
        )
        inserted = max(cursor.rowcount, 0)
    if batch.modbus_devices:
        cursor.executemany(
            UPDATE_DEVICES,
            [
                (
                    row.online,
                    _time(row.state_since),
                    _time(row.last_poll_at),
                    row.last_error,
                    row.polls,
                    row.timeouts,
                    row.bad_frames,
                    row.exceptions,
                    row.events_received,
                    row.reconnects,
                    row.latency_ms,
                    revision,
                    row.device_id,
                )
                for row in batch.modbus_devices.values()
            ],
        )
    return inserted


def _time(micros: int | None) -> Any:
    if micros is None:
        return None
    when = from_micros(micros)
    if connection.vendor == "sqlite":
        return connection.ops.adapt_datetimefield_value(when)
    return when
