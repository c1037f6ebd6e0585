"""Device register maps, shipped as JSON data (``fixtures/modbus/``; format in
docs/modbus.md).

A map lists a device's points with their tag, table, address, data type, scale, unit,
description and writable flag. A *template* map (one meter model) has tags without a
prefix; :meth:`RegisterMap.points` gives them one (``F01`` makes ``V1`` into ``F01_V1``).
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .constants import Table
from .datatypes import DataType, ValueFormat, WordOrder
from .planner import ReadLimits
from .points import Point

PREFIX_SEPARATOR = "_"


class RegisterMapError(ValueError):
    """A register map that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class MapEntry:
    """One point of a map with what a person reads about it."""

    point: Point
    unit: str
    description: str
    alarm: bool
    """A coil or discrete input whose 0 -> 1 edge raises an alarm."""


@dataclass(frozen=True)
class RegisterMap:
    name: str
    description: str
    template: bool
    entries: tuple[MapEntry, ...]
    limits: ReadLimits

    def points(self, prefix: str | None = None) -> list[Point]:
        """The map's points; a template's tags get ``prefix`` and the separator."""
        if self.template != (prefix is not None):
            raise RegisterMapError(
                f"{self.name}: a template needs a tag prefix, other maps take none"
            )
        if prefix is None:
            return [entry.point for entry in self.entries]
        return [
            _renamed(entry.point, f"{prefix}{PREFIX_SEPARATOR}{entry.point.tag}")
            for entry in self.entries
        ]

    def entry(self, tag: str) -> MapEntry:
        """The entry of an (unprefixed) tag."""
        for entry in self.entries:
            if entry.point.tag == tag:
                return entry
        raise KeyError(f"{self.name} has no point {tag!r}")


def load_register_map(path: str | Path) -> RegisterMap:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise RegisterMapError(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise RegisterMapError(f"{path} is not valid JSON: {error}") from error
    return parse_register_map(data)


def parse_register_map(data: Any) -> RegisterMap:
    if not isinstance(data, dict) or not isinstance(data.get("points"), list):
        raise RegisterMapError('a register map is an object with a "points" list')
    name = _text(data, "name", "map", required=True)
    word_order = _choice(data, "word_order", WordOrder, name, WordOrder.ABCD)
    entries = tuple(
        _entry(item, f"{name}: points[{index}]", word_order)
        for index, item in enumerate(data["points"])
    )
    tags = [entry.point.tag for entry in entries]
    duplicates = sorted({tag for tag in tags if tags.count(tag) > 1})
    if duplicates:
        raise RegisterMapError(f"{name}: tags used twice: {', '.join(duplicates)}")
    limits = data.get("limits", {})
    if not isinstance(limits, dict):
        raise RegisterMapError(f"{name}: limits is an object")
    try:
        read_limits = ReadLimits(**limits)
    except (TypeError, ValueError) as error:
        raise RegisterMapError(f"{name}: limits: {error}") from error
    return RegisterMap(
        name=name,
        description=_text(data, "description", name),
        template=data.get("template", False) is True,
        entries=entries,
        limits=read_limits,
    )


def _entry(data: Any, where: str, word_order: WordOrder) -> MapEntry:
    if not isinstance(data, dict):
        raise RegisterMapError(f"{where}: expected an object")
    tag = _text(data, "tag", where, required=True)
    where = f"{where} ({tag})"
    try:
        value_format = ValueFormat(
            data_type=_choice(data, "type", DataType, where, None),
            word_order=_choice(data, "word_order", WordOrder, where, word_order),
            bit=data.get("bit"),
            scale=_number(data, "scale", where, 1.0),
            offset=_number(data, "offset", where, 0.0),
        )
        point = Point(
            tag=tag,
            table=_choice(data, "table", Table, where, None),
            address=_address(data, where),
            format=value_format,
            writable=data.get("writable", False) is True,
        )
    except ValueError as error:
        raise RegisterMapError(f"{where}: {error}") from error
    return MapEntry(
        point=point,
        unit=_text(data, "unit", where),
        description=_text(data, "description", where),
        alarm=data.get("alarm", False) is True,
    )


def _renamed(point: Point, tag: str) -> Point:
    return Point(tag, point.table, point.address, point.format, point.writable)


def _address(data: dict[str, Any], where: str) -> int:
    """An address, as a number or a string such as ``"0x48"``."""
    value = data.get("address")
    if isinstance(value, str):
        try:
            value = int(value, 0)
        except ValueError:
            raise RegisterMapError(f"{where}: address {value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
        raise RegisterMapError(f"{where}: address must be within 0..65535, not {value!r}")
    return value


def _choice(data: dict[str, Any], key: str, kind: Any, where: str, default: Any) -> Any:
    value = data.get(key)
    if value is None:
        if default is None:
            raise RegisterMapError(f"{where}: {key} is required")
        return default
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise RegisterMapError(f"{where}: {key} {value!r} is not one of {known}") from None


def _number(data: dict[str, Any], key: str, where: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RegisterMapError(f"{where}: {key} must be a number, not {value!r}")
    return float(value)


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value):
        raise RegisterMapError(f"{where}: {key} must be a {'non-empty ' if required else ''}text")
    return value
