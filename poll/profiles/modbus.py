"""A Modbus device's points in a profile file: its register map's, then its inline ones."""

from __future__ import annotations

from typing import Any

from poll.models import PointKind
from poll.profiles.fields import MODBUS_FILE_ALIASES
from poll.profiles.files import ProfileFileError, list_of_objects, project_path
from protocols.modbus import MapEntry, RegisterMapError, Table, load_register_map


def modbus_points(device: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """A device's points by tag, with model field names: its register map's, expanded
    with the prefix, then its inline points (which override the map's by tag)."""
    points: dict[str, dict[str, Any]] = {}
    map_name = device.get("register_map")
    if map_name:
        try:
            register_map = load_register_map(project_path(map_name))
            wire_points = register_map.points(device.get("prefix"))
        except RegisterMapError as exc:
            raise ProfileFileError(f"{where}.register_map: {exc}") from exc
        only = device.get("only")
        for entry, wire in zip(register_map.entries, wire_points, strict=True):
            if only is None or entry.point.tag in only:
                points[wire.tag] = _map_point(entry)
    for pi, point_data in enumerate(list_of_objects(device, "points", where)):
        tag = point_data.get("tag")
        if not tag:
            raise ProfileFileError(f"{where}.points[{pi}]: a tag is required")
        values = {MODBUS_FILE_ALIASES.get(k, k): v for k, v in point_data.items() if k != "tag"}
        merged = {**points.get(tag, {}), **values}
        if "kind" not in merged and "table" in merged:
            merged["kind"] = _kind_of(merged["table"], merged.get("bit"), merged.get("data_type"))
        points[tag] = merged
    return points


def _map_point(entry: MapEntry) -> dict[str, Any]:
    point, value_format = entry.point, entry.point.format
    return {
        "kind": _kind_of(point.table.value, value_format.bit, value_format.data_type.value),
        "table": point.table.value,
        "address": point.address,
        "data_type": value_format.data_type.value,
        "word_order": value_format.word_order.value,
        "bit": value_format.bit,
        "escala": value_format.scale,
        "value_offset": value_format.offset,
        "unit": entry.unit,
        "writable": point.writable,
        "alarm": entry.alarm,
        "description": entry.description,
    }


def _kind_of(table: str, bit: int | None, data_type: str | None) -> str:
    """Bits (coils, discrete inputs, a bool in a register) are DIs; numbers are AIs."""
    try:
        is_bits = Table(table).is_bits
    except ValueError:
        return PointKind.AI.value  # the model reports the unknown table
    return PointKind.DI.value if is_bits or data_type == "bool" else PointKind.AI.value
