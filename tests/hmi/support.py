"""Drawings as Inkscape saves them, API clients per role, and a check that SVG is harmless."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from rest_framework.test import APIClient

INKSCAPE_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg
   width="297mm" height="210mm" viewBox="0 0 297 210" version="1.1" id="svg1"
   inkscape:version="1.3.2 (091e20e, 2023-11-25)" sodipodi:docname="{name}.svg"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns:xlink="http://www.w3.org/1999/xlink"
   xmlns="http://www.w3.org/2000/svg"
   xmlns:svg="http://www.w3.org/2000/svg"
   {root_attributes}>
  <sodipodi:namedview id="namedview1" pagecolor="#ffffff" inkscape:zoom="0.72" />
  <defs id="defs1">
    <linearGradient id="busbar"><stop offset="0" style="stop-color:#333333" /></linearGradient>
  </defs>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1">
"""
INKSCAPE_TAIL = """
  </g>
</svg>
"""


def inkscape_drawing(body: str, name: str = "screen", root_attributes: str = "") -> str:
    """A drawing with Inkscape's namespaces, metadata and a layer around ``body``."""
    head = INKSCAPE_HEAD.format(name=name, root_attributes=root_attributes)
    return head + body + INKSCAPE_TAIL


def overview_drawing(detail: str = "E4F1") -> str:
    """An overview: bound by tag, by label and by id, a link attribute and a hyperlink."""
    return inkscape_drawing(
        f"""
    <rect tag="E4DI00" id="rect1" x="10" y="10" width="20" height="10"
          style="fill:#2e7d32;stroke:#000000;stroke-width:0.5" />
    <rect inkscape:label="E4189I01" id="rect2" x="40" y="10" width="20" height="10" />
    <text id="E41BAR00" x="10" y="40" style="font-size:6px"><tspan>13.20 kV</tspan></text>
    <a xlink:href="#screen:{detail}" id="a1">
      <rect tag="E4189S01" id="rect3" x="70" y="10" width="20" height="10" />
    </a>
    <circle tag="E4LBL01" link="{detail}" cx="100" cy="20" r="5" />
    <rect id="rect99" inkscape:label="decoration" x="0" y="0" width="5" height="5"
          style="fill:url(#busbar)" />
""",
        name="overview",
    )


def api_client(user=None, token: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


_SAFE_HREF = re.compile(r"^(#|data:image/(png|jpeg|gif)[;,])", re.IGNORECASE)
_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


def harmless_problems(svg: str) -> list[str]:
    """Everything in ``svg`` that could run code or fetch outside the drawing."""
    problems = []
    if re.search(r"javascript:|@import|<!ENTITY", svg, re.IGNORECASE):
        problems.append("script URL, CSS import or entity in the text")
    root = ET.fromstring(svg)  # noqa: S314 - our own sanitised output
    for element in root.iter():
        name = element.tag.rpartition("}")[2]
        if name in ("script", "foreignObject", "handler"):
            problems.append(f"<{name}>")
        if element.tag.startswith("{http://www.w3.org/1999/xhtml}"):
            problems.append(f"HTML <{name}>")
        for key, value in element.attrib.items():
            attribute = key.rpartition("}")[2]
            if attribute.lower().startswith("on"):
                problems.append(f"{attribute} on <{name}>")
            if attribute == "href" and not _SAFE_HREF.match(value.strip()):
                problems.append(f"href {value!r} on <{name}>")
            for target in _URL.findall(value):
                if not _SAFE_HREF.match(target.strip()):
                    problems.append(f"url({target}) on <{name}>")
        if name == "style" and element.text:
            problems.extend(
                f"url({t}) in <style>" for t in _URL.findall(element.text) if not t.startswith("#")
            )
    return problems


def _di(tag: str, offset: int, port: int, description: str) -> dict:
    return {
        "tag": tag,
        "offset": offset,
        "port": port,
        "bit": offset,
        "text_off": "Open",
        "text_on": "Closed",
        "description": description,
    }


#: A small site with the tags the screen tests draw: quicker to load than the demo.
SMALL_SITE = {
    "profile": {"name": "Small substation"},
    "comasters": [
        {
            "name": "E4",
            "host": "127.0.0.1",
            "ieds": [
                {
                    "offset": 0,
                    "address": 0,
                    "name": "E4 station services",
                    "sv": [{"tag": "E4SV00", "offset": 0, "description": "Communication"}],
                    "di": [
                        _di("E4DI00", 0, 0, "Bus coupler breaker"),
                        _di("E4DI01", 1, 0, "Local control"),
                        _di("E4DI05", 2, 0, "Buchholz alarm"),
                    ],
                    "ai": [
                        {"tag": "E41BAR00", "offset": 0, "unit": "kV", "escala": 0.01},
                    ],
                },
                {
                    "offset": 1,
                    "address": 1,
                    "name": "Feeder Norte",
                    "di": [
                        _di("E4189I01", 0, 1, "Feeder Norte breaker"),
                        _di("E4189S01", 1, 1, "Feeder Norte line disconnector"),
                    ],
                    "ai": [
                        {"tag": "E41I00", "offset": 0, "unit": "A", "channel": 0},
                        {"tag": "E41P00", "offset": 1, "unit": "kW"},
                    ],
                },
            ],
        },
        {
            "name": "E5",
            "host": "127.0.0.1",
            "port": 9762,
            "ieds": [
                {
                    "offset": 0,
                    "address": 0,
                    "name": "E5 station services",
                    "di": [_di("E5DI00", 0, 0, "Bus coupler breaker")],
                }
            ],
        },
    ],
}


def load_small_site():
    """The small site, loaded and active (needs the database)."""
    from poll.profiles import load_profile

    return load_profile(SMALL_SITE, activate=True)
