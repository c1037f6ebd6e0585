"""Which points of an SDM630 meter hold the registers a reading fixes.

The meters are Modbus devices loaded from the SDM630 register map, whose points are tagged
with the meter's prefix (``F01_IMP_KWH``); a reading keeps the four energy registers.
"""

from __future__ import annotations

from collections.abc import Iterable

from poll.models import Point

REGISTERS = {
    "import_wh": "IMP_KWH",
    "export_wh": "EXP_KWH",
    "import_varh": "IMP_KVARH",
    "export_varh": "EXP_KVARH",
}
"""Reading field -> the register map's tag (kWh or kVArh; the reading keeps Wh or varh)."""

SCALE = 1000  # kWh -> Wh


def register_points(meter_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """point id -> (meter id, reading field) for the meters' energy registers."""
    found: dict[int, tuple[int, str]] = {}
    wanted = list(meter_ids)
    if not wanted:
        return found
    rows = Point.objects.filter(modbus_device_id__in=wanted).values_list(
        "pk", "modbus_device_id", "tag"
    )
    for pk, meter_id, tag in rows:
        for field, name in REGISTERS.items():
            if tag == name or tag.endswith(f"_{name}"):
                found[pk] = (meter_id, field)
    return found


def import_points(meter_ids: Iterable[int]) -> dict[int, int]:
    """meter id -> the point id of its import energy register."""
    return {
        meter: point
        for point, (meter, field) in register_points(meter_ids).items()
        if field == "import_wh"
    }
