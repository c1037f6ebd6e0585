"""Alarm definitions in profile files: loaded, exported, checked like the admin."""

from __future__ import annotations

import copy

import pytest

from alarms.models import AlarmDefinition
from poll.profiles import ProfileFileError, export_profile, load_profile
from tests.alarms.conftest import SMALL_PROFILE

ALARM = {
    "tag": "E9AI00_HH",
    "point": "E9AI00",
    "kind": "hh",
    "setpoint": 400.0,
    "priority": "urgent",
    "area": "E9",
    "message": "Current {value} {unit}",
    "latching": True,
}


def test_alarms_load_and_export_with_the_profile(db):
    profile = load_profile({**SMALL_PROFILE, "alarms": [ALARM]})
    definition = AlarmDefinition.objects.get(profile=profile)
    assert (definition.point.tag, definition.kind, definition.latching) == ("E9AI00", "hh", True)
    (exported,) = export_profile(profile)["alarms"]
    assert exported == {
        **ALARM,
        "deadband": 0.0,
        "on_delay_s": 0.0,
        "off_delay_s": 0.0,
        "max_shelve_minutes": 480,
    }
    load_profile(copy.deepcopy(SMALL_PROFILE))  # the file no longer has it
    assert not AlarmDefinition.objects.exists()


def test_bad_alarms_are_reported_with_their_place(db):
    bad = [{**ALARM, "point": "NOPE"}, {**ALARM, "tag": "X", "kind": "hhh", "setpoint": "1"}]
    with pytest.raises(ProfileFileError) as error:
        load_profile({**SMALL_PROFILE, "alarms": bad})
    text = "\n".join(error.value.problems)
    assert "alarms[0]: point 'NOPE'" in text
    assert "alarms[1]" in text and "kind" in text and "setpoint" in text


def test_the_demo_substation_has_alarms(demo_profile):
    tags = set(AlarmDefinition.objects.filter(profile=demo_profile).values_list("tag", flat=True))
    assert {"E41I00_H", "E41BAR00_L", "E4150P01_TRIP", "E41SV01_LOST"} <= tags


def test_the_demo_site_includes_the_substation_alarms(db):
    from django.conf import settings

    from poll.profiles import read_profile_file

    profile = load_profile(read_profile_file(settings.BASE_DIR / "fixtures" / "demo_site.json"))
    assert AlarmDefinition.objects.filter(profile=profile, tag="E41I00_H").exists()
