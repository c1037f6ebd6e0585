"""Profile files: the demo loads on every database, reloads in place, exports back."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from poll.models import AI, DI, IED, SV, COMaster, Profile
from poll.profiles import ProfileFileError, export_profile, load_profile
from tests.conftest import DEMO_PROFILE


@pytest.mark.django_db
def test_demo_profile_loads_with_its_points(demo_profile):
    assert demo_profile.active
    assert COMaster.objects.filter(profile=demo_profile).count() == 2
    assert IED.objects.filter(comaster__profile=demo_profile).count() == 8
    assert DI.objects.filter(profile=demo_profile).count() == 60
    assert AI.objects.filter(profile=demo_profile).count() == 30
    assert SV.objects.filter(profile=demo_profile).count() == 16
    breaker = DI.objects.get(tag="E4289I02")
    assert (breaker.ied.address, breaker.port, breaker.bit, breaker.text_on) == (2, 1, 0, "Closed")
    energy = AI.objects.get(tag="E41E00")
    assert (energy.channel, energy.unit) == (0, "kWh")


@pytest.mark.django_db
def test_reloading_updates_in_place_and_keeps_history(demo_profile):
    ai = AI.objects.get(tag="E41I00")
    ai.samples.create(time="2026-01-01T00:00:00Z", value=1.0)
    data = export_profile(demo_profile)
    data["comasters"][0]["ieds"][1]["ai"][0]["description"] = "Renamed"
    del data["comasters"][0]["ieds"][1]["di"][-1]
    load_profile(data)
    ai.refresh_from_db()
    assert ai.description == "Renamed" and ai.samples.count() == 1
    assert DI.objects.filter(profile=demo_profile).count() == 59


@pytest.mark.django_db
def test_export_then_load_round_trips(demo_profile):
    exported = export_profile(demo_profile)
    load_profile(exported)
    assert export_profile(Profile.objects.get(pk=demo_profile.pk)) == exported


@pytest.mark.django_db
def test_a_bad_file_names_the_place_and_writes_nothing(demo_profile):
    data = export_profile(demo_profile)
    data["profile"]["name"] = "Broken copy"
    data["comasters"][1]["ieds"][2]["di"][0]["tag"] = "E4 bad"
    with pytest.raises(ProfileFileError, match=r"comasters\[1\]\.ieds\[2\]\.di\[0\].*tag"):
        load_profile(data)
    assert not Profile.objects.filter(name="Broken copy").exists()


@pytest.mark.django_db
def test_load_profile_command(capsys):
    call_command("load_profile", str(DEMO_PROFILE), "--activate")
    assert "2 COMasters, 106 points" in capsys.readouterr().out
    call_command("export_profile")
    exported = json.loads(capsys.readouterr().out)
    assert exported["profile"]["name"] == "Demo substation"
