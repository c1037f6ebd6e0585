"""The plant and meters screens import, and every formula of theirs is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from hmi.formula_loader import load_formulas, read_formula_file
from hmi.screen_import import import_files
from poll.profiles import load_profile, read_profile_file
from tests.conftest import ROOT

FIXTURES = ROOT / "fixtures"


@pytest.mark.parametrize(
    ("profile_file", "screen", "formula_file"),
    [
        ("wastewater_plant.json", "Plant.svg", "plant_formulas.json"),
        ("building_meters.json", "Meters.svg", "meters_formulas.json"),
    ],
)
def test_screen_and_formulas_load(db, profile_file: str, screen: str, formula_file: str) -> None:
    profile = load_profile(read_profile_file(FIXTURES / profile_file), activate=True)
    _, refused = import_files(profile, [FIXTURES / "screens" / screen])
    assert not refused
    report = load_formulas(profile, read_formula_file(Path(FIXTURES / formula_file)))
    assert not report.problems
    assert report.created > 10
