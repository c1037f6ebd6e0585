"""The configuration the poller reads, and how it learns that it changed."""

from __future__ import annotations

import pytest

from poll.acquisition.mara.recorder import COMASTERS
from poll.acquisition.options import PollerOptions
from poll.acquisition.watcher import ConfigError, ConfigWatcher
from poll.models import AI, DI, IED, COMaster, Profile


@pytest.fixture
def options(settings, tmp_path) -> PollerOptions:
    settings.POLL_SPOOL_DIR = str(tmp_path)
    return PollerOptions.from_settings()


def version(profile: Profile) -> int:
    return Profile.objects.get(pk=profile.pk).config_version


def test_the_active_profile_is_read_with_its_enabled_comasters(demo_profile, options) -> None:
    COMaster.objects.filter(name="E5").update(enabled=False)
    config = ConfigWatcher(options, None).load()
    assert config.profile_name == demo_profile.name
    (comaster,) = config.sources["mara"].comasters.values()
    assert comaster.name == "E4" and comaster.client.port == 9761
    assert [ied.offset for ied in comaster.ieds] == [0, 1, 2, 3]
    assert sum(len(ied.points) for ied in comaster.ieds) == 53


def test_named_comasters_only(demo_profile, options) -> None:
    config = ConfigWatcher(options, demo_profile.name, ["E5"]).load()
    assert [c.name for c in config.sources["mara"].comasters.values()] == ["E5"]


def test_no_profile_to_run_is_an_error(db, options) -> None:
    with pytest.raises(ConfigError, match="no profile is active"):
        ConfigWatcher(options, None).load()
    with pytest.raises(ConfigError, match="no profile named 'X'"):
        ConfigWatcher(options, "X").load()


def test_every_configuration_save_bumps_the_counter(demo_profile) -> None:
    comaster = COMaster.objects.get(name="E4")
    di = DI.objects.filter(tag="E4DI00").first()
    # (an AI with no alarm: deleting a definition too would bump for it as well)
    ai = AI.objects.filter(ied__comaster=comaster, alarm_definitions=None).first()
    assert di is not None and ai is not None
    steps = [
        lambda: comaster.save(),
        lambda: IED.objects.create(comaster=comaster, offset=9, address=9, name="new"),
        lambda: di.save(),
        lambda: ai.delete(),
        lambda: IED.objects.get(comaster=comaster, offset=9).delete(),
        lambda: Profile.objects.get(pk=demo_profile.pk).save(),
    ]
    for step in steps:
        before = version(demo_profile)
        step()
        assert version(demo_profile) == before + 1


def test_a_form_save_never_writes_the_counter_back(demo_profile) -> None:
    stale = Profile.objects.get(pk=demo_profile.pk)
    COMaster.objects.get(name="E4").save()
    current = version(demo_profile)
    stale.description = "edited"
    stale.save()
    assert version(demo_profile) == current + 1


def test_the_watcher_sees_changes_and_only_changes(demo_profile, options) -> None:
    watcher = ConfigWatcher(options, None)
    first = watcher.load()
    assert watcher.check() is None
    DI.objects.filter(tag="E4DI00").update(inverted=True)  # no signal: not seen
    assert watcher.check() is None
    DI.objects.get(tag="E4DI00").save()
    changed = watcher.check()
    assert changed is not None and changed != first
    assert watcher.check() is None


def test_statuses_carry_on_the_stored_counters(demo_profile) -> None:
    comaster = COMaster.objects.get(name="E4")
    COMaster.objects.filter(pk=comaster.pk).update(polls=41, online=True)
    status = COMASTERS.load_statuses([comaster.pk])[comaster.pk]
    assert (status.polls, status.online, status.seq) == (41, True, None)
