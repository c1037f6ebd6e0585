"""What a simulated COMaster holds, read from a profile file (docs/profile-format.md).

Only what the simulator needs is read; unknown keys are ignored. Optional ``sim`` hints
give a DI's starting value, how often it flips and when it flips in the opening scene (so
that a demo shows events in its first minute, not after a random wait), and an AI's
starting raw value and how far it wanders.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..constants import (
    DEFAULT_COMASTER_ADDRESS,
    EVENT_SIZE,
    MASTER_ADDRESS,
    MAX_PAYLOAD,
    SV_BLOCK_SIZE,
)

DEFAULT_PORT = 9761
DEFAULT_FLIPS_PER_HOUR = 1.0
MAX_FLIPS_PER_HOUR = 3600.0
DEFAULT_RAW = 2048
DEFAULT_SPREAD_FRACTION = 0.02
"""Without a ``sim.spread`` an AI wanders by this fraction of its starting value."""

RAW_MAX = 0x0FFF


class ProfileError(ValueError):
    """A profile file the simulator cannot use; the message says where and why."""


@dataclass(frozen=True)
class DigitalPoint:
    tag: str
    ied_address: int
    port: int
    bit: int
    inverted: bool
    value: int
    flips_per_hour: float
    opening: tuple[float, ...] = ()
    """Seconds after the start at which the DI flips, besides its random flips."""


@dataclass(frozen=True)
class AnalogPoint:
    tag: str
    ied_address: int
    channel: int | None
    raw: int
    spread: float


@dataclass(frozen=True)
class ComasterProfile:
    """One COMaster: its points in reply order (DI and AI numbering of the profile page)."""

    name: str
    port: int
    address: int
    master_address: int
    ied_count: int
    digital: tuple[DigitalPoint, ...]
    analog: tuple[AnalogPoint, ...]

    @property
    def sv_size(self) -> int:
        return SV_BLOCK_SIZE * self.ied_count

    @property
    def di_words(self) -> int:
        return math.ceil(len(self.digital) / 16)

    @property
    def events_per_reply(self) -> int:
        """How many events fit in a reply next to the SV, DI and AI sections."""
        fixed = 4 + self.sv_size + 2 * self.di_words + 2 * len(self.analog)
        return (MAX_PAYLOAD - fixed) // EVENT_SIZE


def load_profile(path: str | Path) -> list[ComasterProfile]:
    """The COMasters of a profile file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise ProfileError(f"{path} is not valid JSON: {error}") from error
    return parse_profile(data)


def parse_profile(data: Any) -> list[ComasterProfile]:
    """The COMasters of an already parsed profile document."""
    if not isinstance(data, dict) or not isinstance(data.get("comasters"), list):
        raise ProfileError('a profile needs a "comasters" list')
    comasters = [_comaster(item, f"comasters[{i}]") for i, item in enumerate(data["comasters"])]
    names = [comaster.name for comaster in comasters]
    if len(set(names)) != len(names):
        raise ProfileError("COMaster names must be unique")
    return comasters


def _comaster(data: Any, where: str) -> ComasterProfile:
    _require_object(data, where)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ProfileError(f"{where}: a name is required")
    ieds = _by_offset(data.get("ieds", []), f"{where}.ieds")
    digital: list[DigitalPoint] = []
    analog: list[AnalogPoint] = []
    for ied in ieds:
        place = f"{where}.ieds[offset {ied.get('offset', 0)}]"
        address = int(_number(ied, "address", place, 0))
        for point in _by_offset(ied.get("di", []), f"{place}.di"):
            digital.append(_digital(point, address, f"{place}.di"))
        for point in _by_offset(ied.get("ai", []), f"{place}.ai"):
            analog.append(_analog(point, address, f"{place}.ai"))
    comaster = ComasterProfile(
        name=name,
        port=int(_number(data, "port", where, DEFAULT_PORT)),
        address=int(_number(data, "address", where, DEFAULT_COMASTER_ADDRESS)),
        master_address=int(_number(data, "master_address", where, MASTER_ADDRESS)),
        ied_count=len(ieds),
        digital=tuple(digital),
        analog=tuple(analog),
    )
    tags = [point.tag for point in digital] + [point.tag for point in analog]
    if len(set(tags)) != len(tags):
        raise ProfileError(f"{where}: point tags must be unique")
    if comaster.events_per_reply < 1:
        raise ProfileError(f"{where}: SV, DI and AI leave no room for events in a reply")
    return comaster


def _by_offset(items: Any, where: str) -> list[dict[str, Any]]:
    """The objects of a profile list, in ``offset`` order."""
    if not isinstance(items, list):
        raise ProfileError(f"{where}: expected a list")
    objects = [_require_object(item, f"{where}[{i}]") for i, item in enumerate(items)]
    return sorted(objects, key=lambda item: _number(item, "offset", where, 0))


def _digital(data: Any, ied_address: int, where: str) -> DigitalPoint:
    _require_object(data, where)
    sim = data.get("sim") or {}
    flips_per_hour = float(_number(sim, "flip_per_hour", where, DEFAULT_FLIPS_PER_HOUR))
    if not 0 <= flips_per_hour <= MAX_FLIPS_PER_HOUR:
        raise ProfileError(f"{where}: sim.flip_per_hour must be within 0..{MAX_FLIPS_PER_HOUR:g}")
    return DigitalPoint(
        tag=_tag(data, where),
        ied_address=ied_address,
        port=int(_number(data, "port", where, 0)),
        bit=int(_number(data, "bit", where, 0)),
        inverted=bool(data.get("inverted", False)),
        value=1 if sim.get("value") else 0,
        flips_per_hour=flips_per_hour,
        opening=_opening(sim, where),
    )


def _opening(sim: dict[str, Any], where: str) -> tuple[float, ...]:
    seconds = sim.get("opening", [])
    if not isinstance(seconds, list) or not all(
        isinstance(second, int | float) and not isinstance(second, bool) and second >= 0
        for second in seconds
    ):
        raise ProfileError(f"{where}: sim.opening is a list of seconds after the start")
    return tuple(sorted(float(second) for second in seconds))


def _analog(data: Any, ied_address: int, where: str) -> AnalogPoint:
    _require_object(data, where)
    sim = data.get("sim") or {}
    raw = int(_number(sim, "raw", where, DEFAULT_RAW))
    if not 0 <= raw <= RAW_MAX:
        raise ProfileError(f"{where}: sim.raw {raw} is outside 0..{RAW_MAX}")
    channel = data.get("channel")
    return AnalogPoint(
        tag=_tag(data, where),
        ied_address=ied_address,
        channel=None if channel is None else int(_number(data, "channel", where, 0)),
        raw=raw,
        spread=float(_number(sim, "spread", where, raw * DEFAULT_SPREAD_FRACTION)),
    )


def _require_object(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: expected an object")
    return data


def _tag(data: dict[str, Any], where: str) -> str:
    tag = data.get("tag")
    if not isinstance(tag, str) or not tag:
        raise ProfileError(f"{where}: a point needs a tag")
    return tag


def _number(data: dict[str, Any], key: str, where: str, default: float) -> float:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"{where}: {key} must be a number, not {value!r}")
    return value
