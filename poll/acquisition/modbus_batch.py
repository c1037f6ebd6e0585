"""The rows a write batch carries for Modbus devices: their communication state and the
link events the poller records for them. Plain data, like the rest of a batch
(:mod:`poll.acquisition.batch`)."""

from __future__ import annotations

from typing import NamedTuple


class ModbusDeviceStatus(NamedTuple):
    """A Modbus device's communication state as the poller knows it."""

    device_id: int
    online: bool
    state_since: int | None
    last_poll_at: int | None
    last_error: str
    polls: int
    timeouts: int
    bad_frames: int
    exceptions: int
    events_received: int
    reconnects: int
    latency_ms: float | None


class ModbusComEventRow(NamedTuple):
    """A Modbus device went online or offline, as the poller saw it."""

    profile_id: int
    device_id: int
    code: int
    reason: int
    text: str
    time: int
    dedup_key: str
