"""Drawings are parsed safely and come out harmless, with Inkscape's drawing intact."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hmi.svg_bindings import find_bindings
from hmi.svg_sanitiser import DrawingError, parse_drawing, sanitise, to_svg
from tests.hmi.support import harmless_problems, inkscape_drawing, overview_drawing


def clean(svg: str) -> tuple[str, dict[str, int]]:
    root = parse_drawing(svg)
    removed = sanitise(root)
    return to_svg(root), dict(removed)


MALICIOUS = {
    "script element": '<script type="text/javascript">alert(document.cookie)</script>',
    "script in another namespace": (
        '<html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script>'
    ),
    "event handlers": '<rect onclick="alert(1)" ONMOUSEOVER="alert(2)" width="5" height="5"/>',
    "javascript link": '<a xlink:href="javascript:alert(1)"><text>click</text></a>',
    "obfuscated javascript link": '<a href=" jav&#x09;ascript:alert(1)"><text>click</text></a>',
    "external link": '<a href="http://attacker.example/phish"><text>help</text></a>',
    "foreign object": (
        '<foreignObject width="9" height="9"><body xmlns="http://www.w3.org/1999/xhtml">'
        '<iframe src="http://attacker.example/"/></body></foreignObject>'
    ),
    "external use": '<use xlink:href="http://attacker.example/sprites.svg#breaker"/>',
    "external image": '<image href="https://attacker.example/track.png" width="5" height="5"/>',
    "svg image carrying a script": (
        '<image href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0Lz48L3N2Zz4=" width="5"/>'
    ),
    "file image": '<image xlink:href="file:///etc/passwd" width="5" height="5"/>',
    "css url in style": '<rect style="fill:url(http://attacker.example/x.svg#g)" width="5"/>',
    "css url in attribute": '<rect fill="url(\'//attacker.example/x#g\')" width="5"/>',
    "css import": "<style>@import url(http://attacker.example/x.css); rect { fill: red }</style>",
    "animated link": (
        '<a href="#x"><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>'
    ),
    "animated handler": '<rect width="5"><set attributeName="onclick" to="alert(1)"/></rect>',
    "svg tiny handler": '<handler type="application/ecmascript">alert(1)</handler>',
    "xml base": '<g xml:base="http://attacker.example/"><use xlink:href="#a"/></g>',
}


@pytest.mark.parametrize("body", MALICIOUS.values(), ids=MALICIOUS.keys())
def test_malicious_content_comes_out_harmless_and_is_counted(body):
    svg, removed = clean(inkscape_drawing(body + '<text id="kept">Kept</text>'))
    assert harmless_problems(svg) == []
    assert removed, "what was removed is reported"
    assert ">Kept</text>" in svg


def test_onload_on_the_root_is_removed():
    svg, removed = clean(inkscape_drawing("", root_attributes='onload="alert(1)"'))
    assert "onload" not in svg
    assert removed == {"event handler attribute": 1}


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg">'
ENTITY_ATTACKS = {
    "external file entity": (
        '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f"{SVG_OPEN}<text>&xxe;</text></svg>"
    ),
    "external network entity": (
        '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "http://attacker.example/x">]>'
        f"{SVG_OPEN}<text>&xxe;</text></svg>"
    ),
    "parameter entity": (
        '<!DOCTYPE svg [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]>'
        f"{SVG_OPEN}</svg>"
    ),
    "billion laughs": (
        '<!DOCTYPE svg [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        f"{SVG_OPEN}<text>&d;</text></svg>"
    ),
}


@pytest.mark.parametrize("svg", ENTITY_ATTACKS.values(), ids=ENTITY_ATTACKS.keys())
def test_entities_are_refused_with_a_message(svg):
    with pytest.raises(DrawingError, match="entities"):
        parse_drawing(svg)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "not well-formed"),
        ("<html><body/></html>", "not an SVG"),
        ("<svg><rect/></svg>", "not an SVG"),
        ("", "not well-formed"),
    ],
)
def test_what_is_not_an_svg_drawing_is_refused(data, message):
    with pytest.raises(DrawingError, match=message):
        parse_drawing(data)


def test_an_inkscape_drawing_keeps_its_namespaces_styles_and_text():
    svg, removed = clean(overview_drawing())
    assert removed == {}
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert 'inkscape:label="Layer 1"' in svg and "sodipodi:namedview" in svg
    assert "fill:url(#busbar)" in svg and "stroke-width:0.5" in svg
    assert "13.20 kV" in svg
    assert 'xlink:href="#screen:E4F1"' in svg


def test_fragment_references_and_embedded_bitmaps_are_kept():
    png = "data:image/png;base64,iVBORw0KGgo="
    svg, removed = clean(
        inkscape_drawing(
            f'<symbol id="breaker"><rect width="4" height="4"/></symbol>'
            f'<use xlink:href="#breaker" x="3"/><image href="{png}" width="5" height="5"/>'
        )
    )
    assert removed == {}
    assert 'xlink:href="#breaker"' in svg and png in svg


def test_bound_elements_are_found_by_tag_label_and_id_and_marked():
    root = parse_drawing(overview_drawing())
    bindings = find_bindings(root, known_tags={"E4189I01", "E41BAR00", "decoration_not"})
    assert bindings.elements == {
        "E4DI00": None,
        "E4189I01": None,
        "E41BAR00": None,
        "E4189S01": "E4F1",
        "E4LBL01": "E4F1",
    }
    assert bindings.links == ["E4F1"]
    tagged = {e.get("tag") for e in root.iter() if e.get("tag")}
    assert tagged == set(bindings.elements)


def test_a_label_or_id_that_is_no_known_tag_binds_nothing():
    root = parse_drawing(inkscape_drawing('<rect id="rect5" inkscape:label="Breaker 1"/>'))
    assert find_bindings(root, known_tags={"E4DI00"}).elements == {}


def test_a_tag_attribute_that_is_not_a_tag_is_a_problem():
    root = parse_drawing(inkscape_drawing('<rect id="r1" tag="not a tag"/>'))
    bindings = find_bindings(root, known_tags=set())
    assert bindings.elements == {}
    assert "not a tag" in bindings.problems[0]
