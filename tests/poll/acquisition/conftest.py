"""Fixtures for end-to-end poller tests: a quiet demo site in the test database, and a
launcher that stops every process it started."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from .processes import Poller, Simulator, database_url, quiet_profile

FAST_POLLING = {"poll_interval": 0.05, "reply_timeout": 0.1, "attempts": 3}
"""Faster than the admin allows (0.5 s at least), so set with a plain update."""


@dataclass
class Site:
    workdir: Path
    profile_path: Path
    profile: dict[str, Any]
    started: list[Poller | Simulator] = field(default_factory=list)

    def simulator(self, *options: str) -> Simulator:
        simulator = Simulator(self.profile_path, self.workdir, *options)
        self.started.append(simulator)
        return simulator

    def poller(self, *arguments: str, **environment: str) -> Poller:
        poller = Poller(
            self.workdir, database_url(connection.settings_dict), *arguments, **environment
        )
        self.started.insert(0, poller)  # pollers stop before simulators
        return poller


@pytest.fixture
def site(tmp_path: Path, transactional_db: None):
    """The demo substation with a field that changes only when told to, polled fast."""
    from poll.models import COMaster
    from poll.profiles import load_profile

    profile_path = tmp_path / "profile.json"
    data = quiet_profile(profile_path)
    load_profile(data, activate=True)
    COMaster.objects.update(**FAST_POLLING)
    site = Site(tmp_path, profile_path, data)
    yield site
    for process in site.started:
        process.stop()
    for process in site.started:
        if isinstance(process, Poller):
            sys.stderr.write(f"--- poller log (last lines) ---\n{process.log[-4000:]}\n")
