"""The detector's screen: it imports with the detector profile, every formula of it is
accepted, its channels are bound to the points their commands act on, its alarms and
commands load, and the demo's overview links to it."""

from __future__ import annotations

import pytest

from alarms.models import AlarmDefinition
from commands.models import CommandDefinition
from hmi.formula_loader import load_formulas, read_formula_file
from hmi.models import Screen
from hmi.screen_import import import_files
from poll.profiles import load_profile, read_profile_file
from tests.conftest import ROOT

FIXTURES = ROOT / "fixtures"


@pytest.mark.django_db
def test_the_detector_screen_formulas_alarms_and_commands_load() -> None:
    profile = load_profile(read_profile_file(FIXTURES / "detector.json"), activate=True)
    _, refused = import_files(profile, [FIXTURES / "screens" / "Detector.svg"])
    assert not refused
    report = load_formulas(profile, read_formula_file(FIXTURES / "detector_formulas.json"))
    assert not report.problems and report.created > 40
    screen = Screen.objects.get(profile=profile, name="Detector")
    for tag in ("HV_CH3_ON", "HV_CH3_VREQ", "LV_CH0_ON", "TH2_HUM", "SENSOR1_MEAS2"):
        assert f'tag="{tag}"' in screen.svg
    assert AlarmDefinition.objects.filter(tag__startswith="HV_CH").count() == 8
    hv_on = CommandDefinition.objects.get(point__tag="HV_CH0_ON", label="On")
    assert hv_on.interlock == "di.LV_CH0_ON.value = 1" and hv_on.select_before_operate
    assert CommandDefinition.objects.filter(kind="mqtt_publish").count() == 24


@pytest.mark.django_db
def test_the_demo_overview_links_to_the_detector() -> None:
    profile = load_profile(read_profile_file(FIXTURES / "demo_site.json"), activate=True)
    _, refused = import_files(profile, [FIXTURES / "screens"])
    assert refused == []
    overview = Screen.objects.get(profile=profile, name="Overview")
    assert "Detector" in {screen.name for screen in overview.links.all()}
