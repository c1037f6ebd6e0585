"""Profile files: the demo loads on every database, reloads in place, exports back."""

from __future__ import annotations

import json
import warnings

import pytest
from django.core.management import CommandError, call_command

from poll.models import AI, DI, IED, SV, COMaster, Profile
from poll.profiles import (
    ProfileFileError,
    ProfileFileWarning,
    export_profile,
    load_profile,
    read_profile_file,
)
from tests.conftest import DEMO_PROFILE, ROOT


@pytest.mark.django_db
def test_demo_profile_loads_with_its_points(demo_profile):
    assert demo_profile.active
    assert COMaster.objects.filter(profile=demo_profile).count() == 2
    assert IED.objects.filter(comaster__profile=demo_profile).count() == 8
    assert DI.objects.filter(profile=demo_profile).count() == 60
    assert AI.objects.filter(profile=demo_profile).count() == 30
    assert SV.objects.filter(profile=demo_profile).count() == 16
    breaker = DI.objects.get(tag="E4289I02")
    assert (breaker.ied.address, breaker.port, breaker.bit, breaker.text_on) == (2, 3, 1, "Closed")
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


def small_site(**comaster: object) -> dict:
    """A profile file with one COMaster (updated with ``comaster``), one IED and one DI."""
    return {
        "profile": {"name": "Small"},
        "comasters": [
            {
                "name": "E4",
                "host": "127.0.0.1",
                "port": 9761,
                "attempts": 3,
                "ieds": [
                    {
                        "offset": 1,
                        "address": 1,
                        "name": "Feeder relay",
                        "di": [{"tag": "E4DI00", "offset": 0, "port": 0, "bit": 0}],
                    }
                ],
                **comaster,
            }
        ],
    }


def problems_of(data: dict) -> list[str]:
    with pytest.raises(ProfileFileError) as excinfo:
        load_profile(data)
    return excinfo.value.problems


@pytest.mark.django_db
def test_an_ied_address_events_cannot_carry_is_refused():
    data = small_site()
    data["comasters"][0]["ieds"][0]["address"] = 20
    assert problems_of(data) == [
        "comasters[0].ieds[0] (IED Feeder relay), address: "
        "Must be within 0..15 (4 bits in events; 0 is the COMaster itself)."
    ]
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_every_problem_of_a_file_is_reported_and_nothing_is_written():
    data = small_site(port=0, master_address=1)
    ied = data["comasters"][0]["ieds"][0]
    ied["address"] = 16  # under a COMaster that cannot be saved: still checked
    ied["di"][0]["port"] = 9
    ied["sv"] = [{"tag": "E4SV00", "offset": 6}]
    data["modbus_devices"] = [
        {"name": "PLC", "host": "10.0.0.2", "unit": 0, "framing": "rtu", "attempts": 0}
    ]
    found = problems_of(data)
    assert found == [
        "comasters[0] (COMaster E4), port: Must be within 1..65535 (a TCP port).",
        "comasters[0] (COMaster E4), master_address: "
        "Our address must differ from the COMaster's address.",
        "comasters[0].ieds[0] (IED Feeder relay), address: "
        "Must be within 0..15 (4 bits in events; 0 is the COMaster itself).",
        "comasters[0].ieds[0].sv[0] (SV E4SV00), offset: "
        "An SV is a byte of its IED's 6-byte block: 0..5.",
        "comasters[0].ieds[0].di[0] (DI E4DI00), port: Must be within 0..7 (3 bits in events).",
        "modbus_devices[0] (Modbus device PLC), attempts: "
        "Must be within 1..10 (tries of a request, the first included).",
        "modbus_devices[0] (Modbus device PLC), unit: "
        "Behind a serial gateway the unit id is 1..247 (0 is the broadcast).",
    ]
    assert not Profile.objects.exists() and not COMaster.objects.exists()


@pytest.mark.django_db
def test_a_reload_with_a_problem_changes_nothing(demo_profile):
    before = export_profile(demo_profile)
    data = export_profile(demo_profile)
    data["profile"]["description"] = "Changed"
    data["comasters"][0]["port"] = 9999  # valid, but the file as a whole is not
    del data["comasters"][0]["ieds"][1]["di"][-1]
    data["comasters"][1]["ieds"][1]["address"] = 99
    with pytest.raises(ProfileFileError, match=r"comasters\[1\]\.ieds\[1\].*address"):
        load_profile(data)
    assert export_profile(Profile.objects.get(pk=demo_profile.pk)) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("port", "9761", "expected a whole number, not '9761'."),
        ("address", 1.5, "expected a whole number, not 1.5."),
        ("attempts", True, "expected a whole number, not True."),
        ("poll_interval", "fast", "expected a number, not 'fast'."),
        ("enabled", "yes", "expected true or false, not 'yes'."),
        ("description", 5, "expected a text, not 5."),
        ("reply_timeout", float("nan"), "Must be a finite number."),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_not_converted(key, value, expected):
    assert problems_of(small_site(**{key: value})) == [
        f"comasters[0] (COMaster E4), {key}: {expected}"
    ]


@pytest.mark.django_db
def test_a_tag_or_name_given_twice_is_reported():
    data = small_site()
    data["comasters"].append({**data["comasters"][0], "port": 9762})
    found = problems_of(data)
    assert "comasters[1]: COMaster name E4 is also at comasters[0]" in found
    assert "comasters[1].ieds[0].di[0]: tag E4DI00 is also at comasters[0].ieds[0].di[0]" in found


@pytest.mark.django_db
def test_the_old_retries_key_loads_with_its_meaning_for_each_kind():
    data = small_site(retries=3)
    del data["comasters"][0]["attempts"]
    data["modbus_devices"] = [{"name": "PLC", "host": "127.0.0.1", "retries": 2}]
    with pytest.warns(ProfileFileWarning) as caught:
        profile = load_profile(data)
    assert profile.comasters.get().attempts == 3  # it counted every try
    assert profile.modbus_devices.get().attempts == 3  # it counted the tries after the first
    messages = [str(warning.message) for warning in caught]
    assert messages == [
        "comasters[0] (E4): retries is deprecated, write attempts "
        "(tries of a request, the first included): read as attempts = 3",
        "modbus_devices[0] (PLC): retries is deprecated, write attempts "
        "(tries of a request, the first included): read as attempts = 3",
    ]
    exported = export_profile(profile)
    assert exported["comasters"][0]["attempts"] == 3
    assert exported["modbus_devices"][0]["attempts"] == 3
    assert "retries" not in exported["comasters"][0]
    assert "retries" not in exported["modbus_devices"][0]


@pytest.mark.django_db
def test_retries_and_attempts_together_are_refused():
    assert problems_of(small_site(retries=2)) == [
        "comasters[0]: give attempts only (retries is its old name)"
    ]


@pytest.mark.django_db
def test_the_command_shows_the_deprecation_and_every_problem(tmp_path, capsys):
    path = tmp_path / "old.json"
    data = small_site(retries=2)
    del data["comasters"][0]["attempts"]
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("load_profile", str(path))
    assert "warning: comasters[0] (E4): retries is deprecated" in capsys.readouterr().err
    assert COMaster.objects.get().attempts == 2
    data["comasters"][0].update(port=0, address=300)
    data["profile"]["name"] = "Other"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("load_profile", str(path))
    message = str(excinfo.value)
    assert message.startswith("2 problems, nothing was loaded:\n- comasters[0] (COMaster E4), port")
    assert "- comasters[0] (COMaster E4), address: Must be within 0..254" in message
    assert not Profile.objects.filter(name="Other").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["demo_substation", "wastewater_plant", "building_meters"])
def test_the_fixtures_load_without_deprecated_keys(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProfileFileWarning)
        profile = load_profile(read_profile_file(ROOT / "fixtures" / f"{name}.json"))
    links = [*profile.comasters.all(), *profile.modbus_devices.all()]
    assert links and all(link.attempts == 3 for link in links)


@pytest.mark.django_db
def test_a_missing_required_key_is_named():
    data = small_site(host=None)
    del data["comasters"][0]["ieds"][0]["address"]
    assert problems_of(data) == [
        "comasters[0] (COMaster E4), host: This field cannot be null.",
        "comasters[0].ieds[0] (IED Feeder relay), address: This field cannot be null.",
    ]
