"""The ``buildings`` list of a profile file: buildings, their flats and which meter (a Modbus
device of the profile, by name) measures each flat from when until when (ISO 8601, an
empty ``end`` while it still does). Registered with poll's profile loader, which validates
each entry like the admin and names every problem's place."""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_datetime

from metering.models import Building, Flat, MeterAssignment
from poll.models import ModbusDevice, Profile
from poll.profiles import ProfileLoader

KEY = "buildings"
FLAT_FIELDS = ("floor", "occupant", "email", "notes")


def _time(loader: ProfileLoader, text: Any, where: str) -> Any:
    if text in (None, ""):
        return None
    value = parse_datetime(text) if isinstance(text, str) else None
    if value is None:
        loader.problems.append(f"{where}: give an ISO 8601 time with its offset, not {text!r}")
    return value


def load(loader: ProfileLoader, profile: Profile, entries: list[dict[str, Any]]) -> None:
    """Create or update the buildings of ``entries`` and remove the profile's others."""
    meters = dict(ModbusDevice.objects.filter(profile=profile).values_list("name", "pk"))
    kept: list[int] = []
    names: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"buildings[{index}]"
        loader.unique(names, entry.get("name"), where, "building")
        building = loader.upsert(
            Building,
            {"profile": profile, "name": entry.get("name")},
            {"address": entry.get("address", "")},
            where,
            parent=profile,
        )
        if building.pk is None:
            continue
        kept.append(building.pk)
        flats: list[int] = []
        for flat_index, flat_entry in enumerate(entry.get("flats", [])):
            flat_where = f"{where}.flats[{flat_index}]"
            values = {f: flat_entry[f] for f in FLAT_FIELDS if f in flat_entry}
            flat = loader.upsert(
                Flat,
                {"building": building, "name": flat_entry.get("name")},
                values,
                flat_where,
                parent=building,
            )
            if flat.pk is None:
                continue
            flats.append(flat.pk)
            MeterAssignment.objects.filter(flat=flat).delete()
            for meter_index, meter_entry in enumerate(flat_entry.get("meters", [])):
                meter_where = f"{flat_where}.meters[{meter_index}]"
                name = meter_entry.get("meter")
                if name not in meters:
                    loader.problems.append(
                        f"{meter_where}: no Modbus device {name!r} in the profile"
                    )
                    continue
                loader.upsert(
                    MeterAssignment,
                    {
                        "flat": flat,
                        "meter_id": meters[name],
                        "start": _time(loader, meter_entry.get("start"), meter_where),
                    },
                    {"end": _time(loader, meter_entry.get("end"), meter_where)},
                    meter_where,
                    parent=flat,
                )
        if not loader.problems:
            Flat.objects.filter(building=building).exclude(pk__in=flats).delete()
    if not loader.problems:
        Building.objects.filter(profile=profile).exclude(pk__in=kept).delete()


def export(profile: Profile) -> list[dict[str, Any]]:
    result = []
    for building in Building.objects.filter(profile=profile).prefetch_related(
        "flats__assignments__meter"
    ):
        flats = []
        for flat in building.flats.all():
            meters = [
                {
                    "meter": a.meter.name,
                    "start": a.start.isoformat(),
                    "end": a.end.isoformat() if a.end else None,
                }
                for a in flat.assignments.all()
            ]
            flats.append(
                {"name": flat.name, **{f: getattr(flat, f) for f in FLAT_FIELDS}, "meters": meters}
            )
        result.append({"name": building.name, "address": building.address, "flats": flats})
    return result
