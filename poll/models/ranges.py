"""What a configuration value may be, taken from the protocols, so that a value the field
cannot carry is refused when it is entered (admin, API, profile file) instead of loading
and then never matching anything (an IED address of 20 never appears in a 4-bit event).

Each range names its reason in its message: the engineer reading "0..15" should also read
why. The Mara limits come from the protocol page (docs/mara.md), the Modbus ones from the
specification (``protocols.modbus.constants``).
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from protocols.mara.constants import BROADCAST_ADDRESS, SV_BLOCK_SIZE
from protocols.modbus.constants import MAX_ADDRESS

DAY = 86_400.0

MAX_ATTEMPTS = 10
"""More tries than this only delay the offline alarm: a link that failed ten times in a
row is down."""

MAX_REPLY_TIMEOUT = 60.0

MARA_STATION_MAX = BROADCAST_ADDRESS - 1
"""A Mara address is one byte; 0xFF is the broadcast."""

IED_ADDRESS_MAX = 0x0F
"""An IED's RS485 address is the low nibble of an event's first byte (TCD)."""

DI_PORT_MAX = 7
"""Bits 6-4 of a digital event's second byte."""

DI_BIT_MAX = 15
"""Bits 3-0 of a digital event's second byte."""

ENERGY_CHANNEL_MAX = 7
"""Bits 2-0 of an energy event's second byte."""

SV_OFFSET_MAX = SV_BLOCK_SIZE - 1
"""An SV is a byte of its IED's block in the poll reply."""

REGISTER_BIT_MAX = 15

MODBUS_ADDRESS_MAX = MAX_ADDRESS

MODBUS_UNIT_MAX = 0xFF
MODBUS_SERIAL_UNITS = range(1, 248)
"""On a serial line 0 is the broadcast (no device answers) and 248..255 are reserved."""
MODBUS_TCP_UNITS = (*range(0, 248), 0xFF)
"""A Modbus TCP device is reached by its IP address: it takes 0 or 255 ("no unit"), or a
unit id 1..247 when it is a gateway to a serial line."""

HOST_NAME = re.compile(
    r"(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)


def between(low: float, high: float, why: str) -> list[Any]:
    """Validators for ``low <= value <= high``, whose message gives the range and ``why``."""
    message = f"Must be within {_number(low)}..{_number(high)} ({why})."
    return [MinValueValidator(low, message), MaxValueValidator(high, message)]


def at_least(low: float, why: str) -> list[Any]:
    return [MinValueValidator(low, f"Must be at least {_number(low)} ({why}).")]


def _number(value: float) -> str:
    return f"{value:g}"


def validate_finite(value: float) -> None:
    """A number a profile file can spell (``NaN``, ``Infinity``) but no device can use."""
    if value is not None and not math.isfinite(value):
        raise ValidationError("Must be a finite number.", code="not_finite")


def validate_not_zero(value: float) -> None:
    """A scale of 0 would show every value as 0, whatever the field sends."""
    if value == 0:
        raise ValidationError("Must not be 0 (every value would read 0).", code="zero")


def validate_host(value: str) -> None:
    """An IPv4 or IPv6 address, or a host name (letters, digits, hyphens and dots)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        numeric = value.rstrip(".").rsplit(".", 1)[-1].isdigit()
        if not HOST_NAME.fullmatch(value) or numeric:
            raise ValidationError(
                "Enter an IP address or a host name (letters, digits, hyphens and dots), "
                f"not {value!r}.",
                code="invalid_host",
            ) from None
