"""Numbers fixed by the Mara protocol (see docs/mara.md and the protocol page)."""

from enum import IntEnum

SOF = 0xFE
"""Start-of-frame byte."""

MASTER_ADDRESS = 0x40
"""Address of the monitoring centre, the master of every COMaster."""

BROADCAST_ADDRESS = 0xFF

DEFAULT_COMASTER_ADDRESS = 0x01

HEADER_SIZE = 6
"""SOF, QTY, DST, SRC, SEQ, COM."""

BCC_SIZE = 2

FRAME_OVERHEAD = HEADER_SIZE + BCC_SIZE
"""QTY of a frame without payload."""

MIN_QTY = FRAME_OVERHEAD
MAX_PAYLOAD = 245
MAX_QTY = FRAME_OVERHEAD + MAX_PAYLOAD

EVENT_SIZE = 10
SV_BLOCK_SIZE = 6
"""System-variable bytes per IED in a poll reply."""

FRACTION_TICKS = 32768
"""Fractions of a second are counted in 1/32768 s ticks."""


class Command(IntEnum):
    """Command codes (COM byte) this package understands."""

    PORT = 0x03
    POLL = 0x10
    TIME_SET = 0x12
    LOGICAL_PORT = 0x13


class EventType(IntEnum):
    """Bits 7-6 of an event's first byte (TCD)."""

    DIGITAL = 0
    ENERGY = 1
    IDLE = 2
    COMSYS = 3


class EnergyCode(IntEnum):
    """Bits 5-3 of an energy event's second byte."""

    PERIOD = 0
    LAST_PERIOD_OF_DAY = 1
    DAY_TOTAL = 3
