"""The Mara and Modbus load the MQTT bench runs beside (``python -m bench.mqtt --beside-mara N
--beside-modbus``): the poller bench's COMasters and the Modbus bench's plant and meters,
with their simulators, in the MQTT bench's profile, so that one ``manage.py poll`` polls all
three protocols.

The site is the poller bench's (:func:`bench.poll.build_site`: its COMasters, IEDs and
points in bulk, and the profile file its simulator reads) and the Modbus bench's devices
(:func:`bench.modbus.device_documents`), stored in bulk here. The beside links are switched
on and off in place (``enabled``, then the profile's ``config_version``, as the admin does),
and the running poller follows: the same poller is measured with and without the load.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.modbus import METERS_PER_GATEWAY, device_documents, start_simulator
from bench.poll_processes import simulators, stop
from bench.poll_site import point_comasters_at

SETTLE_TIMEOUT = 120.0
"""Seconds for every beside link to come online (or offline) after a switch; a poller that
does not get there is measured all the same, and the report says so."""


@dataclass(frozen=True)
class Counters:
    """A protocol's link counters summed over its links (tries sent, tries timed out)."""

    polls: int
    timeouts: int

    def __sub__(self, other: Counters) -> Counters:
        return Counters(self.polls - other.polls, self.timeouts - other.timeouts)


class BesideLoad:
    """The COMasters and Modbus devices of the bench profile, switched on and off."""

    def __init__(self, profile_id: int, comasters: int, modbus_devices: int) -> None:
        self.profile_id = profile_id
        self.expected = {"Mara": comasters, "Modbus": modbus_devices}

    def models(self) -> dict[str, Any]:
        from poll.models import COMaster, ModbusDevice

        return {"Mara": COMaster, "Modbus": ModbusDevice}

    def switch(self, enabled: bool) -> bool:
        """Enable or disable every beside link; True once all are online (enabled) or
        offline (disabled) within :data:`SETTLE_TIMEOUT`."""
        from poll.signals import bump_config_version

        links = {
            name: model.objects.filter(profile_id=self.profile_id)
            for name, model in self.models().items()
        }
        for rows in links.values():
            rows.update(enabled=enabled)
        bump_config_version(self.profile_id)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            online = {name: rows.filter(online=True).count() for name, rows in links.items()}
            if all(
                online[name] == (count if enabled else 0) for name, count in self.expected.items()
            ):
                return True
            time.sleep(0.5)
        return False

    def counters(self) -> dict[str, Counters]:
        """Each protocol's counters as the poller last wrote them."""
        from django.db.models import Sum

        totals = {}
        for name, model in self.models().items():
            sums = model.objects.filter(profile_id=self.profile_id).aggregate(
                polls=Sum("polls"), timeouts=Sum("timeouts")
            )
            totals[name] = Counters(sums["polls"] or 0, sums["timeouts"] or 0)
        return totals


@contextlib.contextmanager
def beside_load(
    profile_id: int,
    profile_files: list[Path],
    workdir: Path,
    comasters: int,
    plants: int,
    meters: int,
) -> Iterator[BesideLoad]:
    """The simulators running and the beside links stored, disabled (the first phase
    switches them on if it wants them)."""
    with contextlib.ExitStack() as stack:
        plant_devices: dict[str, tuple[int, int | None]] = {}
        meter_devices: dict[str, tuple[int, int | None]] = {}
        if plants:
            process, plant_devices = start_simulator("plant", plants)
            stack.callback(stop, process)
        if meters:
            process, meter_devices = start_simulator(
                "meters", meters, "--per-port", str(METERS_PER_GATEWAY)
            )
            stack.callback(stop, process)
        documents = device_documents(plant_devices, meter_devices)
        store_modbus_devices(profile_id, documents)
        if comasters:
            stack.enter_context(simulators(profile_files, workdir, point_comasters_at))
        load = BesideLoad(profile_id, comasters, len(documents))
        load.switch(False)
        yield load


def store_modbus_devices(profile_id: int, documents: list[dict[str, Any]]) -> None:
    """The devices and their points in bulk (no per-object validation: the fixtures are
    the demo's, which load_profile checks). A plant's tags get its name in front, so that
    several plants fit in one profile."""
    from django.db import transaction

    from poll.models import ModbusDevice, Point
    from poll.profiles import modbus_points
    from poll.profiles.fields import MODBUS_DEVICE_FIELDS, MODBUS_POINT_FIELDS

    with transaction.atomic():
        devices = ModbusDevice.objects.bulk_create(
            ModbusDevice(
                profile_id=profile_id,
                name=document["name"],
                **{f: document[f] for f in MODBUS_DEVICE_FIELDS if f in document},
            )
            for document in documents
        )
        points = []
        for device, document in zip(devices, documents, strict=True):
            for tag, fields in modbus_points(document, device.name).items():
                unique = tag if tag.startswith(f"{device.name}_") else f"{device.name}_{tag}"
                values = {f: fields[f] for f in MODBUS_POINT_FIELDS if f in fields}
                points.append(
                    Point(profile_id=profile_id, modbus_device=device, tag=unique, **values)
                )
        Point.objects.bulk_create(points, batch_size=5000)
