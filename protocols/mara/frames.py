"""Mara frames declared with Construct, field by field as the protocol page lists them.

These declarations are the single description of the wire format. The encoders build
every frame from them, and the fixed-size payloads (time set, port commands) are parsed
with their compiled form. The one hot path, the 0x10 reply, is parsed by the hand-written
:mod:`.reply_parser`: Construct cannot compile bit fields, and its parse of a full reply is
about twenty times slower than a poller of many COMasters needs. The tests hold the two
parsers to the same results on every input.
"""

from construct import (
    Array,
    BitsInteger,
    BitStruct,
    Bytes,
    ByteSwapped,
    Check,
    Checksum,
    Const,
    Construct,
    ExprAdapter,
    Flag,
    Int8ub,
    Int16ub,
    Int16ul,
    Nibble,
    Padding,
    RawCopy,
    Rebuild,
    Struct,
    Switch,
    Terminated,
    len_,
    this,
)

from .checksum import bcc
from .constants import EVENT_SIZE, FRAME_OVERHEAD, SOF, EventType

# --- Frame (section 1) -------------------------------------------------------------

HEADER = Struct(
    "sof" / Const(SOF, Int8ub),
    "qty" / Rebuild(Int8ub, len_(this._.payload) + FRAME_OVERHEAD),  # SOF..BCC inclusive
    "dst" / Int8ub,
    "src" / Int8ub,
    "seq" / Int8ub,
    "cmd" / Int8ub,  # COM
)

FRAME = Struct(
    "fields"
    / RawCopy(
        Struct(
            "header" / HEADER,
            "payload" / Bytes(this.header.qty - FRAME_OVERHEAD),
        )
    ),
    "bcc" / Checksum(Int16ub, bcc, this.fields.data),  # high byte first
)

# --- Poll reply, command 0x10 (section 2) --------------------------------------------


def counted_section(item: Construct, item_size: int) -> Struct:
    """A reply section: a count byte equal to the section's length in bytes plus one,
    then the entries."""
    return Struct(
        "count" / Rebuild(Int8ub, len_(this.entries) * item_size + 1),
        Check((this.count >= 1) & ((this.count - 1) % item_size == 0)),
        "entries" / Array((this.count - 1) // item_size, item),
    )


AI_WORD = ByteSwapped(  # a little-endian word
    BitStruct(
        "q" / BitsInteger(2),  # bits 15-14: 0 normal, 1 stalled/forced, 2 calculated, 3 other
        Padding(2),
        "raw" / BitsInteger(12),  # bits 11-0
    )
)

TCD = BitStruct(
    "type" / BitsInteger(2),  # EventType
    "q" / BitsInteger(2),
    "ied" / Nibble,  # the IED's RS485 address
)

STAMP = Struct(
    "yy" / Int8ub,  # year - 2000, plain binary like every field here
    "month" / Int8ub,
    "day" / Int8ub,
    "hour" / Int8ub,
    "minute" / Int8ub,
    "second" / Int8ub,
    "fraction" / Int16ub,  # 1/32768 s ticks, big-endian
)

MINUTE_STAMP = Struct(
    "yy" / Int8ub,
    "month" / Int8ub,
    "day" / Int8ub,
    "hour" / Int8ub,
    "minute" / Int8ub,
)

ENERGY_VALUE = ExprAdapter(  # b0 b1 b2 read as b0 * 65536 + b2 * 256 + b1 (decided)
    Struct("high" / Int8ub, "low" / Int16ul),
    decoder=lambda obj, ctx: obj.high << 16 | obj.low,
    encoder=lambda value, ctx: {"high": value >> 16, "low": value & 0xFFFF},
)

DIGITAL_EVENT = Struct(
    "point" / BitStruct("status" / BitsInteger(1), "port" / BitsInteger(3), "bit" / Nibble),
    "stamp" / STAMP,
)

ENERGY_EVENT = Struct(
    "info" / BitStruct(Padding(2), "code" / BitsInteger(3), "channel" / BitsInteger(3)),
    "stamp" / MINUTE_STAMP,
    "value" / ENERGY_VALUE,
)

IDLE_EVENT = Struct(
    "info" / BitStruct(Padding(2), "code" / BitsInteger(3), Padding(3)),
    "stamp" / STAMP,
)

COMSYS_EVENT = Struct(
    "info" / BitStruct("code" / Nibble, "reason" / Nibble),
    "stamp" / STAMP,
)

EVENT = Struct(
    "tcd" / TCD,
    "body"
    / Switch(
        this.tcd.type,
        {
            EventType.DIGITAL.value: DIGITAL_EVENT,
            EventType.ENERGY.value: ENERGY_EVENT,
            EventType.IDLE.value: IDLE_EVENT,
            EventType.COMSYS.value: COMSYS_EVENT,
        },
    ),
)

POLL_REPLY = Struct(
    "sv" / counted_section(Int8ub, 1),  # CANVARSYS: 6 bytes per IED
    "di" / counted_section(Int16ul, 2),  # CANDIS
    "ai" / counted_section(AI_WORD, 2),  # CANAIS
    "events" / counted_section(EVENT, EVENT_SIZE),  # CANEVS
    Terminated,
)

# --- Time set, command 0x12 (section 3) ----------------------------------------------

TIME_SET = Struct(
    "yy" / Int8ub,
    "month" / Int8ub,
    "day" / Int8ub,
    "hour" / Int8ub,
    "minute" / Int8ub,
    "second" / Int8ub,
    "fraction" / Int16ul,  # little-endian here, unlike in events
    "dow" / Int8ub,  # 1 = Monday .. 7 = Sunday
)

# --- Port commands 0x03 and 0x13 and their echoes (section 4) ------------------------

PORT_COMMAND = BitStruct(
    "indirect" / Flag,
    "port" / BitsInteger(7),
    Padding(4),
    "state" / BitsInteger(1),
    "bit" / BitsInteger(3),
)

LOGICAL_PORT_COMMAND = Struct(
    "port" / Int8ub,
    "bit" / Int8ub,  # 0xFF in an echo: the command failed
    "state" / Int8ub,
)

# Compiled forms for parsing; Construct falls back to the plain parser for the bit fields.
TIME_SET_COMPILED = TIME_SET.compile()
PORT_COMMAND_COMPILED = PORT_COMMAND.compile()
LOGICAL_PORT_COMMAND_COMPILED = LOGICAL_PORT_COMMAND.compile()
