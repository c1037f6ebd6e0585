"""The configuration the poller runs, read from the database in a few queries.

Everything is turned into frozen dataclasses so that two readings compare equal when
nothing that matters to the poller changed; reconfiguration diffs them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from poll.acquisition.batch import ComasterStatus, to_micros
from poll.acquisition.modbus_config import ModbusSite, load_modbus_site
from poll.acquisition.options import PollerOptions
from poll.models import IED, COMaster, Point, Profile
from protocols.mara.client import ClientSettings

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """The poller cannot run with what it was asked to run; the message says why."""


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
    deadband: float
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
class SiteConfig:
    profile_id: int
    profile_name: str
    version: int
    comasters: dict[int, ComasterConfig]
    modbus: ModbusSite = field(default_factory=ModbusSite)


def select_profile(name: str | None) -> Profile:
    """The named profile, or the active one."""
    try:
        return Profile.objects.get(name=name) if name else Profile.get_active()
    except Profile.DoesNotExist:
        if name:
            raise ConfigError(f"there is no profile named {name!r}") from None
        raise ConfigError(
            "no profile is active: activate one (manage.py load_profile FILE --activate) "
            "or name one with --profile"
        ) from None


def load_config(profile: Profile, options: PollerOptions, names: Sequence[str] = ()) -> SiteConfig:
    """The enabled COMasters of ``profile`` (only those in ``names``, when given)."""
    comasters = COMaster.objects.filter(profile=profile, enabled=True)
    if names:
        comasters = comasters.filter(name__in=names)
    comaster_rows = list(comasters.order_by("id"))
    ieds = IED.objects.filter(comaster__in=comaster_rows).order_by("comaster_id", "offset")
    points_by_ied: dict[int, list[PointSpec]] = {}
    for point in Point.objects.filter(ied__comaster__in=comaster_rows).order_by("offset", "id"):
        points_by_ied.setdefault(point.ied_id, []).append(_point_spec(point))
    ieds_by_comaster: dict[int, list[IedSpec]] = {}
    for ied in ieds:
        spec = IedSpec(ied.id, ied.offset, ied.address, tuple(points_by_ied.get(ied.id, ())))
        ieds_by_comaster.setdefault(ied.comaster_id, []).append(spec)
    version = Profile.objects.filter(pk=profile.pk).values_list("config_version", flat=True)
    return SiteConfig(
        profile_id=profile.pk,
        profile_name=profile.name,
        version=version.first() or 0,
        comasters={
            row.pk: ComasterConfig(
                id=row.pk,
                profile_id=profile.pk,
                name=row.name,
                client=_client_settings(row, options),
                ieds=tuple(ieds_by_comaster.get(row.pk, ())),
            )
            for row in comaster_rows
        },
        modbus=load_modbus_site(profile, options, names),
    )


def load_statuses(comaster_ids: Sequence[int]) -> dict[int, ComasterStatus]:
    """The communication state last written for these COMasters, to carry on counting."""
    rows = COMaster.objects.filter(pk__in=comaster_ids).values(
        "pk", *(name for name in ComasterStatus._fields if name not in ("comaster_id", "seq"))
    )
    return {
        row["pk"]: ComasterStatus(
            comaster_id=row["pk"],
            online=row["online"],
            state_since=_micros(row["state_since"]),
            last_poll_at=_micros(row["last_poll_at"]),
            last_error=row["last_error"],
            polls=row["polls"],
            timeouts=row["timeouts"],
            bad_frames=row["bad_frames"],
            events_received=row["events_received"],
            reconnects=row["reconnects"],
            latency_ms=row["latency_ms"],
            seq=None,
        )
        for row in rows
    }


def config_version(profile_id: int) -> int | None:
    """The profile's configuration counter (None if the profile is gone)."""
    return Profile.objects.filter(pk=profile_id).values_list("config_version", flat=True).first()


def active_profile_id() -> int | None:
    return Profile.objects.filter(active=True).values_list("pk", flat=True).first()


def _point_spec(point: Point) -> PointSpec:
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
        deadband=point.deadband,
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


def _micros(value: object) -> int | None:
    return None if value is None else to_micros(value)  # type: ignore[arg-type]


class ConfigWatcher:
    """Follows the configuration the poller should run: the named profile or the active
    one, and within it the enabled COMasters (those named, when names were given).

    :meth:`check` costs one small query while nothing changed: the profile's
    ``config_version``, bumped by every configuration save (poll/signals.py).
    """

    def __init__(
        self, options: PollerOptions, profile_name: str | None, names: Sequence[str] = ()
    ) -> None:
        self._options = options
        self._profile_name = profile_name
        self._names = tuple(names)
        self._profile_id: int | None = None
        self._version: int | None = None

    def load(self) -> SiteConfig:
        """Read the whole configuration (raises :class:`ConfigError`)."""
        profile = select_profile(self._profile_name)
        config = load_config(profile, self._options, self._names)
        self._profile_id, self._version = profile.pk, config.version
        missing = set(self._names) - {comaster.name for comaster in config.comasters.values()}
        if missing:
            log.warning(
                "profile %s has no enabled COMaster named %s",
                profile.name,
                ", ".join(sorted(missing)),
            )
        return config

    def check(self) -> SiteConfig | None:
        """The new configuration if it changed since the last reading, else None."""
        if self._profile_name is None and active_profile_id() != self._profile_id:
            return self.load()
        assert self._profile_id is not None
        version = config_version(self._profile_id)
        if version == self._version:
            return None
        if version is None:
            raise ConfigError("the profile the poller runs was deleted")
        return self.load()
