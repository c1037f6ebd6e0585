"""Parsing Inkscape drawings safely and removing everything in them that could run or fetch.

A screen's SVG is placed into every operator's console page, so a drawing is treated as
untrusted, and made harmless on its own, without counting on the page's
Content-Security-Policy: it is parsed with entity expansion, DTD entities and network access
off (defusedxml), and then cut down to a drawing: no scripts, no event handlers, no HTML,
no links, images, CSS or animations that reach outside the document (the CSS checks are in
``hmi.svg_css``). What stays is everything Inkscape draws with (SVG, its own and
Sodipodi's namespaces, metadata, styles, text), so the file opens in Inkscape again.

Drawings are limited in size and in nesting depth: the depth limit is checked while
parsing, before a tree is built, so that nothing downstream (this walk is iterative, but
writing the SVG back and finding bindings recurse) meets a tree deep enough to exhaust
the stack.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - only for building and writing; parsing is defused
from collections import Counter

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from hmi.svg_css import clean_declarations, clean_stylesheet, is_inside_reference, value_danger

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

#: The largest drawing accepted, in bytes (docs/screens.md).
MAX_DRAWING_BYTES = 10 * 1024 * 1024
#: The deepest nesting of elements accepted, the root ``<svg>`` being level 1
#: (docs/screens.md). Inkscape's layers and groups rarely go past 20.
MAX_DRAWING_DEPTH = 100

#: SVG elements that run code or embed another document.
_FORBIDDEN_ELEMENTS = {"script", "foreignObject", "handler", "listener"}
_ANIMATIONS = {"set", "animate", "animateColor", "animateMotion", "animateTransform", "discard"}
#: The attributes of an animation that hold the values it gives its target.
_ANIMATION_VALUES = ("values", "from", "to", "by")
#: Attributes (in any namespace) that hold a URL the browser follows or fetches.
_URL_ATTRIBUTES = {"href", "src", "ping", "base"}
#: Elements whose ``href`` may be an embedded bitmap rather than a ``#fragment``.
_IMAGE_ELEMENTS = {"image", "feImage"}
_STYLE = f"{{{SVG_NS}}}style"
#: ``javascript:`` and ``vbscript:``, with any spaces or control characters between letters.
_SCRIPT_URL = re.compile(
    "|".join(r"[\s\x00-\x20]*".join(scheme) for scheme in ("javascript:", "vbscript:")),
    re.IGNORECASE,
)


class DrawingError(ValueError):
    """A file that cannot become a screen; the message says why, for an engineer."""


def parse_drawing(data: bytes | str) -> ET.Element:
    """The root ``<svg>`` element of ``data``, parsed with entities and network access off,
    refused (``DrawingError``) when too large or nested too deep."""
    size = len(data.encode() if isinstance(data, str) else data)
    if size > MAX_DRAWING_BYTES:
        raise DrawingError(drawing_too_large(size))
    parser = DefusedXMLParser(
        target=_DepthLimitedTreeBuilder(), forbid_dtd=False, forbid_entities=True
    )
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
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


def drawing_too_large(size: int) -> str:
    """Why a drawing of ``size`` bytes is refused."""
    return (
        f"the drawing is {size / (1024 * 1024):.1f} MiB; screens are limited to "
        f"{MAX_DRAWING_BYTES // (1024 * 1024)} MiB (embed fewer or smaller images)"
    )


def sanitise(root: ET.Element) -> Counter[str]:
    """Remove in place what could run code or reach outside the drawing; count what went."""
    removed: Counter[str] = Counter()
    _sanitise_element(root, removed)
    pending = [root]
    while pending:
        parent = pending.pop()
        for child in list(parent):
            reason = _reason_to_remove(child)
            if reason:
                _remove(parent, child)
                removed[reason] += 1
            else:
                _sanitise_element(child, removed)
                pending.append(child)
    return removed


def to_svg(root: ET.Element) -> str:
    """The drawing as SVG text, SVG as the default namespace."""
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


class _DepthLimitedTreeBuilder:
    """Builds the tree as ``ET.TreeBuilder`` does, refusing it as soon as it nests deeper
    than ``MAX_DRAWING_DEPTH`` (so a deep file is refused before it is all read)."""

    def __init__(self) -> None:
        self._builder = ET.TreeBuilder()
        self._depth = 0
        # The builder's own methods where there is nothing to check: no Python call.
        self.data = self._builder.data
        self.close = self._builder.close

    def start(self, tag: str, attributes: dict[str, str]) -> ET.Element:
        self._depth += 1
        if self._depth > MAX_DRAWING_DEPTH:
            raise DrawingError(
                f"elements are nested more than {MAX_DRAWING_DEPTH} levels deep (at a "
                f"<{_local(tag)}> element); screens are limited to {MAX_DRAWING_DEPTH} "
                "levels: ungroup (Object > Ungroup) or flatten the drawing"
            )
        return self._builder.start(tag, attributes)

    def end(self, tag: str) -> ET.Element:
        self._depth -= 1
        return self._builder.end(tag)


def _sanitise_element(element: ET.Element, removed: Counter[str]) -> None:
    _sanitise_attributes(element, removed)
    if element.tag == _STYLE:
        _sanitise_style_sheet(element, removed)


def _sanitise_style_sheet(style: ET.Element, removed: Counter[str]) -> None:
    """Clean all the text of a ``<style>``: browsers differ in which text nodes they read,
    so the sheet becomes one text node, without child elements."""
    css = "".join(style.itertext())
    for child in list(style):
        style.remove(child)
        removed["element inside <style>"] += 1
    style.text = clean_stylesheet(css, removed) if css else None


def _remove(parent: ET.Element, child: ET.Element) -> None:
    """Remove ``child`` but not the text that follows it (its tail)."""
    if child.tail:
        siblings = list(parent)
        index = siblings.index(child)
        if index:
            previous = siblings[index - 1]
            previous.tail = (previous.tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)


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
    if name in ("use", "image", "feImage"):
        href = element.get(f"{{{XLINK_NS}}}href", element.get("href"))
        if href is not None and not is_inside_reference(href, images=name in _IMAGE_ELEMENTS):
            return f"<{name}> referencing outside the drawing"
    return None


def _animates_something_unsafe(element: ET.Element) -> bool:
    """Whether an animation targets a link, a style or a handler, or gives its target
    values that fetch or run code. ``attributeName`` is a qualified name whose prefix may
    be bound to any namespace (``xlink:href``, ``x:href``): only its local part counts."""
    target = element.get("attributeName", "").strip().rpartition(":")[2].lower()
    if target in _URL_ATTRIBUTES or target == "style" or target.startswith("on"):
        return True
    values = [element.get(key) for key in _ANIMATION_VALUES]
    return any(v is not None and (_has_script_url(v) or value_danger(v)) for v in values)


def _sanitise_attributes(element: ET.Element, removed: Counter[str]) -> None:
    element_name = _local(element.tag)
    for key, value in list(element.attrib.items()):
        namespace, name = _split(key)
        reason = _attribute_danger(element_name, namespace, name, value)
        if reason:
            del element.attrib[key]
            removed[reason] += 1
        elif name == "style":
            element.set(key, clean_declarations(value, removed))


def _attribute_danger(element_name: str, namespace: str, name: str, value: str) -> str | None:
    lowered = name.lower()
    if lowered.startswith("on"):
        return "event handler attribute"
    if namespace == XML_NS and name == "base":
        return "xml:base attribute"
    if lowered in _URL_ATTRIBUTES:
        images = lowered == "href" and element_name in _IMAGE_ELEMENTS
        if not is_inside_reference(value, images=images):
            return "link leaving the drawing"
    if _has_script_url(value):
        return "javascript: URL"
    if name != "style":
        return value_danger(value)
    return None


def _has_script_url(value: str) -> bool:
    """``javascript:`` however it is written: any case, with spaces or controls inside."""
    return _SCRIPT_URL.search(value) is not None


def _split(qualified: str) -> tuple[str, str]:
    if qualified.startswith("{"):
        namespace, _, name = qualified[1:].partition("}")
        return namespace, name
    return "", qualified


def _local(qualified: str) -> str:
    return _split(qualified)[1]
