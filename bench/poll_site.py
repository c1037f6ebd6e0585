"""The poller bench's site: its database, the profile of N COMasters in the database and
in the simulators' profile files, and the records a run leaves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.poll_load import PROFILE_NAME

IEDS, DIS_PER_IED, AIS_PER_IED = 4, 16, 8
EVENTS_PER_SECOND = 2.0
AI_SPREAD = 4.0
"""Raw-count wander that makes about a quarter of the AIs change between polls: with two
DI events, about a tenth of the 96 values change per reply."""


def build_site(count: int, workdir: Path, simulators: int) -> list[Path]:
    """The bench profile in an emptied database (bulk inserts, active), and its COMasters
    in ``simulators`` files, one per simulator process. The COMasters' ports are those
    the simulators' system picks (:func:`point_comasters_at`)."""
    from django.db import connection, transaction

    from poll.models import IED, COMaster, Point, Profile

    flips = EVENTS_PER_SECOND * 3600 / (IEDS * DIS_PER_IED)
    document: dict[str, Any] = {"profile": {"name": PROFILE_NAME}}
    with connection.cursor() as cursor:  # the bench database is the bench's alone
        cursor.execute("TRUNCATE poll_profile, poll_revision RESTART IDENTITY CASCADE")
    with transaction.atomic():
        profile = Profile.objects.create(name=PROFILE_NAME, active=True)
        comasters = COMaster.objects.bulk_create(
            COMaster(
                profile=profile,
                name=f"B{n:03d}",
                host="127.0.0.1",
                port=0,
                poll_interval=1.0,
                reply_timeout=1.0,
                attempts=3,
            )
            for n in range(count)
        )
        ieds = IED.objects.bulk_create(
            IED(comaster=comaster, offset=offset, address=offset + 1, name=f"IED {offset}")
            for comaster in comasters
            for offset in range(IEDS)
        )
        points = []
        for ied in ieds:
            prefix = f"{ied.comaster.name}I{ied.offset}"
            points.append(Point(profile=profile, ied=ied, kind="sv", tag=f"{prefix}SV", offset=0))
            for n in range(DIS_PER_IED):
                tag = f"{prefix}D{n:02d}"
                points.append(
                    Point(
                        profile=profile,
                        ied=ied,
                        kind="di",
                        tag=tag,
                        offset=n,
                        port=n // 8,
                        bit=n % 8,
                    )
                )
            for n in range(AIS_PER_IED):
                tag, channel = f"{prefix}A{n}", 0 if n == 0 else None
                points.append(
                    Point(
                        profile=profile,
                        ied=ied,
                        kind="ai",
                        tag=tag,
                        offset=n,
                        escala=0.1,
                        channel=channel,
                    )
                )
        Point.objects.bulk_create(points, batch_size=5000)
    ied_documents = [
        {
            "offset": offset,
            "address": offset + 1,
            "di": [
                {"tag": f"I{offset}D{n}", "offset": n, "port": n // 8, "bit": n % 8}
                | {"sim": {"value": 0, "flip_per_hour": flips}}
                for n in range(DIS_PER_IED)
            ],
            "ai": [
                {"tag": f"I{offset}A{n}", "offset": n, "channel": 0 if n == 0 else None}
                | {"sim": {"raw": 2000, "spread": AI_SPREAD}}
                for n in range(AIS_PER_IED)
            ],
        }
        for offset in range(IEDS)
    ]
    paths = []
    for index in range(simulators):
        document["comasters"] = [
            {"name": c.name, "port": c.port, "address": c.address, "ieds": ied_documents}
            for c in comasters[index::simulators]
        ]
        paths.append(workdir / f"profile-{index}.json")
        paths[-1].write_text(json.dumps(document))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return paths


def clear_records() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE poll_event, poll_energy, poll_sample, poll_comevent")


def point_comasters_at(ports: dict[str, int]) -> None:
    from django.db import transaction

    from poll.models import COMaster

    with transaction.atomic():
        for name, port in ports.items():
            COMaster.objects.filter(profile__name=PROFILE_NAME, name=name).update(port=port)
