"""The ``commands`` list of a profile file: loaded, checked, exported back."""

from __future__ import annotations

import copy

import pytest

from commands.models import CommandDefinition
from poll.profiles import ProfileFileError, export_profile, load_profile

from .conftest import STATION

pytestmark = pytest.mark.django_db

COMMANDS = [
    {
        "tag": "E4DI00",
        "label": "Open",
        "kind": "mara_port_bit",
        "target": {"port": 0, "bit": 0},
        "value": 0,
        "feedback": {"tag": "E4DI00", "value": 0, "within": 3},
        "interlock": "di.E4DI01.value = 0",
        "interlock_message": "Station on local control",
        "remote": {"tag": "E4SV04", "value": 1},
    },
    {
        "tag": "E41BAR00",
        "label": "Set",
        "kind": "modbus_register",
        "target": {"address": 3},
        "minimum": 0,
        "maximum": 10,
        "select_before_operate": False,
    },
]


def test_commands_load_and_export_round_trip():
    data = {**copy.deepcopy(STATION), "commands": copy.deepcopy(COMMANDS)}
    profile = load_profile(data, activate=True)
    opened = CommandDefinition.objects.get(label="Open")
    assert opened.feedback_point.tag == "E4DI00" and opened.remote_point.tag == "E4SV04"
    exported = export_profile(profile)["commands"]
    assert {entry["label"] for entry in exported} == {"Open", "Set"}
    load_profile({**copy.deepcopy(STATION), "commands": exported})
    assert CommandDefinition.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"tag": "NOSUCH"}, "no point tagged"),
        ({"target": {"port": 200, "bit": 0}}, "'port' must be"),
        ({"kind": "telepathy"}, "Unknown command kind"),
        ({"interlock": "di.E4DI01.value ="}, "Interlock formula"),
    ],
)
def test_bad_entries_are_reported_and_nothing_written(change, problem):
    data = {**copy.deepcopy(STATION), "commands": [{**COMMANDS[0], **change}]}
    with pytest.raises(ProfileFileError, match=problem):
        load_profile(data)
    assert not CommandDefinition.objects.exists()
