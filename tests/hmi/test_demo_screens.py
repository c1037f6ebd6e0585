"""The demo's drawings as a newcomer meets them: the overview leads to every site, and no
control of the plant screen is drawn over another."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import NamedTuple

import pytest

from hmi.models import Screen
from hmi.screen_import import import_files
from tests.conftest import ROOT

SCREENS = ROOT / "fixtures" / "screens"
SVG = "{http://www.w3.org/2000/svg}"
TEXT_WIDTH_PER_EM = 0.6
"""A generous average advance of a sans-serif character, in em."""


class Box(NamedTuple):
    left: float
    top: float
    right: float
    bottom: float

    def intersects(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


def box(element: ET.Element) -> Box:
    """Where a rect or a one-line text is drawn, in page units."""
    x, y = float(element.get("x", 0)), float(element.get("y", 0))
    if element.tag == f"{SVG}rect":
        return Box(x, y, x + float(element.get("width", 0)), y + float(element.get("height", 0)))
    font_size = re.search(r"font-size:([\d.]+)px", element.get("style", ""))
    assert font_size, f"a text without a font size: {ET.tostring(element)!r}"
    size = float(font_size.group(1))
    width = TEXT_WIDTH_PER_EM * size * len("".join(element.itertext()))
    return Box(x, y - size, x + width, y + 0.25 * size)


def plant_boxes() -> tuple[dict[str, Box], Box]:
    """The plant's phase buttons (each rect with its label), and the alarm column (the
    heading, every alarm lamp and its label)."""
    root = ET.parse(SCREENS / "Plant.svg").getroot()  # noqa: S314 - our own fixture
    assert not any("transform" in element.attrib for element in root.iter()), (
        "boxes are read from x and y: a transformed drawing needs a real renderer"
    )
    drawn = [element for element in root.iter() if element.tag in (f"{SVG}rect", f"{SVG}text")]
    buttons: dict[str, Box] = {}
    column: Box | None = None
    for element, label in zip(drawn, drawn[1:], strict=False):
        tag = element.get("tag", "")
        if tag.startswith("PLT_PH_"):
            buttons[tag] = box(element).union(box(label))
        elif re.match(r"PLT_(ALM|FLT)_", tag):
            lamp = box(element).union(box(label))
            column = lamp if column is None else column.union(lamp)
        elif "".join(element.itertext()) == "alarms":
            column = box(element) if column is None else column.union(box(element))
    assert column is not None
    return buttons, column


def test_no_phase_button_is_drawn_over_the_alarm_column() -> None:
    buttons, column = plant_boxes()
    assert set(buttons) == {
        "PLT_PH_FILL",
        "PLT_PH_AER",
        "PLT_PH_SETTLE",
        "PLT_PH_DISCH",
        "PLT_PH_STOPPED",
    }
    overlapping = [tag for tag, button in buttons.items() if button.intersects(column)]
    assert overlapping == []
    assert column.right <= 1600, "the alarm labels stay on the page"


@pytest.mark.django_db
def test_the_overview_leads_to_the_stations_the_plant_and_the_meters(demo_profile) -> None:
    reports, refused = import_files(demo_profile, [SCREENS])
    assert refused == []
    overview = Screen.objects.get(profile=demo_profile, name="Overview")
    linked = {screen.name for screen in overview.links.all()}
    assert {"Plant", "Meters", "E4 Los Aromos", "E5 Ruta 22"} <= linked
