"""The COMasters the poller runs, read from the database in a few queries.

Everything is turned into frozen dataclasses so that two readings compare equal when
nothing that matters to the poller changed; reconfiguration diffs them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from poll.acquisition.history_policy import HistoryPolicy, history_policy
from poll.acquisition.links import enabled_links
from poll.acquisition.options import PollerOptions
from poll.models import IED, COMaster, Point, Profile
from protocols.mara.client import ClientSettings


@dataclass(frozen=True, slots=True)
class PointSpec:
    id: int
    kind: str
    tag: str
    ied_id: int
    offset: int
    port: int | None
    bit: int | None
    inverted: bool
    escala: float
    history: HistoryPolicy | None
    channel: int | None


@dataclass(frozen=True, slots=True)
class IedSpec:
    id: int
    offset: int
    address: int
    points: tuple[PointSpec, ...]


@dataclass(frozen=True, slots=True)
class ComasterConfig:
    """One COMaster as the poller needs it. ``client`` is what a running connection
    depends on; ``ieds`` (with their points) is how replies are read."""

    id: int
    profile_id: int
    name: str
    client: ClientSettings
    ieds: tuple[IedSpec, ...]


@dataclass(frozen=True, slots=True)
class MaraSite:
    """The enabled COMasters of a profile."""

    comasters: dict[int, ComasterConfig] = field(default_factory=dict)

    def link_names(self) -> Mapping[int, str]:
        return {comaster.id: comaster.name for comaster in self.comasters.values()}

    def lease_units(self) -> frozenset[int]:
        """What a poller leases: each COMaster (its id)."""
        return frozenset(self.comasters)

    def only(self, units: Collection[int]) -> MaraSite:
        """This configuration with only the COMasters ``units``."""
        return MaraSite({cm: c for cm, c in self.comasters.items() if cm in units})


def load_mara_site(profile: Profile, options: PollerOptions, names: Sequence[str] = ()) -> MaraSite:
    """The enabled COMasters of ``profile`` (only those in ``names``, when given)."""
    comaster_rows = enabled_links(COMaster, profile, names)
    ieds = IED.objects.filter(comaster__in=comaster_rows).order_by("comaster_id", "offset")
    points_by_ied: dict[int, list[PointSpec]] = {}
    for point in Point.objects.filter(ied__comaster__in=comaster_rows).order_by("offset", "id"):
        point_spec = _point_spec(point)
        points_by_ied.setdefault(point_spec.ied_id, []).append(point_spec)
    ieds_by_comaster: dict[int, list[IedSpec]] = {}
    for ied in ieds:
        spec = IedSpec(ied.id, ied.offset, ied.address, tuple(points_by_ied.get(ied.id, ())))
        ieds_by_comaster.setdefault(ied.comaster_id, []).append(spec)
    return MaraSite(
        comasters={
            row.pk: ComasterConfig(
                id=row.pk,
                profile_id=profile.pk,
                name=row.name,
                client=_client_settings(row, options),
                ieds=tuple(ieds_by_comaster.get(row.pk, ())),
            )
            for row in comaster_rows
        }
    )


def _point_spec(point: Point) -> PointSpec:
    assert point.ied_id is not None  # read by its IED
    return PointSpec(
        id=point.pk,
        kind=point.kind,
        tag=point.tag,
        ied_id=point.ied_id,
        offset=point.offset,
        port=point.port,
        bit=point.bit,
        inverted=point.inverted,
        escala=point.escala,
        history=history_policy(point),
        channel=point.channel,
    )


def _client_settings(row: COMaster, options: PollerOptions) -> ClientSettings:
    return ClientSettings(
        host=row.host,
        port=row.port,
        address=row.address,
        master_address=row.master_address,
        poll_interval=row.poll_interval,
        reply_timeout=row.reply_timeout,
        attempts=row.attempts,
        time_set_interval=row.time_set_interval,
        connect_timeout=options.connect_timeout,
        backoff_initial=options.backoff_initial,
        backoff_max=options.backoff_max,
    )
