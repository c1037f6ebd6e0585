"""The configuration the poller runs, and how it learns that it changed.

The profile (named, or the active one) and each registered source's part of it, read
from the database in a few queries and turned into frozen dataclasses, so that two
readings compare equal when nothing that matters to the poller changed; reconfiguration
diffs them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from poll.acquisition.batch import LinkStatus
from poll.acquisition.options import PollerOptions
from poll.acquisition.sources import registered_sources
from poll.models import Profile

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """The poller cannot run with what it was asked to run; the message says why."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    profile_id: int
    profile_name: str
    version: int
    sources: dict[str, Any] = field(default_factory=dict)
    """Each registered source's configuration, by source name."""


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
    """The enabled links of ``profile`` of every source (only those in ``names``, when
    given)."""
    version = Profile.objects.filter(pk=profile.pk).values_list("config_version", flat=True)
    sources = registered_sources()
    return SiteConfig(
        profile_id=profile.pk,
        profile_name=profile.name,
        version=version.first() or 0,
        sources={source.name: source.load(profile, options, names) for source in sources},
    )


def load_statuses(config: SiteConfig) -> dict[str, dict[int, LinkStatus]]:
    """The communication state last written for the links of ``config``, by source."""
    return {
        source.name: source.link_kind.load_statuses(config.sources[source.name].link_names())
        for source in registered_sources()
        if source.name in config.sources
    }


def config_version(profile_id: int) -> int | None:
    """The profile's configuration counter (None if the profile is gone)."""
    return Profile.objects.filter(pk=profile_id).values_list("config_version", flat=True).first()


def active_profile_id() -> int | None:
    return Profile.objects.filter(active=True).values_list("pk", flat=True).first()


class ConfigWatcher:
    """Follows the configuration the poller should run: the named profile or the active
    one, and within it the enabled links (those named, when names were given).

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
        found = {name for part in config.sources.values() for name in part.link_names().values()}
        missing = set(self._names) - found
        if missing:
            log.warning(
                "profile %s has no enabled link named %s", profile.name, ", ".join(sorted(missing))
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
