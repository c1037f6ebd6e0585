"""Parsing Inkscape drawings safely and removing everything in them that could run or fetch.

A screen's SVG is served to every operator's browser, so a drawing is treated as untrusted:
it is parsed with entity expansion, DTD entities and network access off (defusedxml), and
then cut down to a drawing: no scripts, no event handlers, no HTML, no links or images that
leave the document. What stays is everything Inkscape draws with (SVG, its own and
Sodipodi's namespaces, metadata, styles, text), so the file opens in Inkscape again.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - only for building and writing; parsing is defused
from collections import Counter

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"
SODIPODI_NS = "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
XML_NS = "http://www.w3.org/XML/1998/namespace"

#: Namespaces whose elements a drawing keeps, with the prefixes they are written with
#: (SVG is the default namespace: no prefix).
KEPT_NAMESPACES = {
    "": SVG_NS,
    "xlink": XLINK_NS,
    "inkscape": INKSCAPE_NS,
    "sodipodi": SODIPODI_NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "cc": "http://creativecommons.org/ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_ELEMENT_NAMESPACES = set(KEPT_NAMESPACES.values())
for _prefix, _uri in KEPT_NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)

MAX_DRAWING_BYTES = 10 * 1024 * 1024

#: SVG elements that run code or embed another document.
_FORBIDDEN_ELEMENTS = {"script", "foreignObject", "handler"}
_ANIMATIONS = {"set", "animate", "animateColor", "animateMotion", "animateTransform", "discard"}
#: Elements whose whole point is the resource they reference.
_REFERENCING_ELEMENTS = {"use", "image", "feImage"}
_SAFE_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif)[;,]", re.IGNORECASE)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)
_CSS_CODE = re.compile(r"expression\s*\(|behavior\s*:|-moz-binding", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"(?:java|vb)script:", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20]+")


class DrawingError(ValueError):
    """A file that cannot become a screen; the message says why, for an engineer."""


def parse_drawing(data: bytes | str) -> ET.Element:
    """The root ``<svg>`` element of ``data``, parsed with entities and network access off."""
    if len(data) > MAX_DRAWING_BYTES:
        raise DrawingError(
            f"the drawing is {len(data) // 1024} KiB; screens are limited to "
            f"{MAX_DRAWING_BYTES // (1024 * 1024)} MiB (embed fewer or smaller images)"
        )
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True)
    except DefusedXmlException as exc:
        raise DrawingError(
            "the drawing declares XML entities or external references, which screens refuse "
            f"({type(exc).__name__}); save it again as plain or Inkscape SVG"
        ) from exc
    except ET.ParseError as exc:
        raise DrawingError(f"the file is not well-formed XML: {exc}") from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise DrawingError(
            f"the file's root element is {_local(root.tag)!r}, not an SVG <svg> element"
        )
    return root


def sanitise(root: ET.Element) -> Counter[str]:
    """Remove in place what could run code or reach outside the drawing; count what went."""
    removed: Counter[str] = Counter()
    _sanitise_attributes(root, removed)
    _sanitise_children(root, removed)
    return removed


def to_svg(root: ET.Element) -> str:
    """The drawing as SVG text, SVG as the default namespace."""
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _sanitise_children(parent: ET.Element, removed: Counter[str]) -> None:
    for child in list(parent):
        reason = _reason_to_remove(child)
        if reason:
            parent.remove(child)
            removed[reason] += 1
            continue
        _sanitise_attributes(child, removed)
        if _local(child.tag) == "style" and child.text:
            child.text = _clean_css(child.text, removed)
        _sanitise_children(child, removed)


def _reason_to_remove(element: ET.Element) -> str | None:
    if not isinstance(element.tag, str):
        return "comment or processing instruction"
    namespace, name = _split(element.tag)
    if namespace not in _ELEMENT_NAMESPACES:
        return f"<{name}> element outside SVG (namespace {namespace or 'none'})"
    if namespace != SVG_NS:
        return None
    if name in _FORBIDDEN_ELEMENTS:
        return f"<{name}> element"
    if name in _ANIMATIONS and _animates_something_unsafe(element):
        return f"<{name}> animating a link, style or event handler"
    if name in _REFERENCING_ELEMENTS:
        href = _href(element)
        if href is not None and not _allowed_reference(name, href):
            return f"<{name}> referencing outside the drawing"
    return None


def _animates_something_unsafe(element: ET.Element) -> bool:
    target = _local(element.get("attributeName", "")).lower()
    return target in ("href", "style") or target.startswith("on")


def _allowed_reference(element_name: str, href: str) -> bool:
    if href.startswith("#"):
        return True
    return element_name in ("image", "feImage") and bool(_SAFE_IMAGE.match(href))


def _sanitise_attributes(element: ET.Element, removed: Counter[str]) -> None:
    element_name = _local(element.tag)
    for key, value in list(element.attrib.items()):
        namespace, name = _split(key)
        reason = None
        if name.lower().startswith("on"):
            reason = "event handler attribute"
        elif namespace == XML_NS and name == "base":
            reason = "xml:base attribute"
        elif name == "href" and namespace in ("", XLINK_NS):
            if not _allowed_reference(element_name, value.strip()):
                reason = "link leaving the drawing"
        elif _SCRIPT_URL.search(_INVISIBLE.sub("", value)):
            reason = "javascript: URL"
        if reason:
            del element.attrib[key]
            removed[reason] += 1
        elif "url(" in value.lower() or name == "style":
            element.set(key, _clean_css(value, removed))


def _clean_css(css: str, removed: Counter[str]) -> str:
    """CSS with imports, script hooks and references outside the drawing taken out."""

    def replace_url(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith("#") or _SAFE_IMAGE.match(target):
            return match.group(0)
        removed["CSS url() leaving the drawing"] += 1
        return "none"

    cleaned = _URL.sub(replace_url, css)
    for pattern, reason in ((_CSS_IMPORT, "CSS @import"), (_CSS_CODE, "CSS script hook")):
        cleaned, count = pattern.subn("", cleaned)
        if count:
            removed[reason] += count
    return cleaned


def _href(element: ET.Element) -> str | None:
    value = element.get(f"{{{XLINK_NS}}}href", element.get("href"))
    return None if value is None else value.strip()


def _split(qualified: str) -> tuple[str, str]:
    if qualified.startswith("{"):
        namespace, _, name = qualified[1:].partition("}")
        return namespace, name
    return "", qualified


def _local(qualified: str) -> str:
    return _split(qualified)[1]
