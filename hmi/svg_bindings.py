"""Finding the elements of a drawing that are bound to tags, and the screens it links to.

An element is bound by its ``tag`` attribute (set in Inkscape's XML editor). As fallbacks,
its ``inkscape:label`` (Object Properties > Label) or its ``id`` bind it when they name a
tag the profile knows. Every bound element ends up with a ``tag`` attribute, so a browser
finds them all with one selector, ``[tag]``.

Links to other screens are written ``link="SCREEN"`` on a bound element, or as an Inkscape
hyperlink (Object > Link) to ``#screen:SCREEN``. A hyperlink around bound elements sets
their link; every such hyperlink is also a link of the drawing itself.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - walks an already parsed tree
from collections.abc import Container
from dataclasses import dataclass, field

from hmi.svg_sanitiser import INKSCAPE_NS, SVG_NS, XLINK_NS
from poll.models.points import TAG_PATTERN

SCREEN_LINK_PREFIX = "#screen:"
_TAG_MAX_LENGTH = 40
_ANCHOR = f"{{{SVG_NS}}}a"
_TAG = re.compile(TAG_PATTERN)


@dataclass
class DrawingBindings:
    """What a drawing binds: tag -> the screen its element links to (None: no link)."""

    elements: dict[str, str | None] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def bind(self, tag: str, link: str | None) -> None:
        known = self.elements.get(tag)
        if known is not None and link is not None and known != link:
            self.problems.append(
                f"{tag} is drawn twice with different links ({known}, {link}); keeping {known}"
            )
            return
        if tag not in self.elements or known is None:
            self.elements[tag] = link


def find_bindings(root: ET.Element, known_tags: Container[str]) -> DrawingBindings:
    """Bound elements and screen links of a sanitised drawing; marks each bound element
    with its ``tag`` attribute."""
    bindings = DrawingBindings()
    # In document order, without recursion: Inkscape nests groups as deep as users do.
    pending: list[tuple[ET.Element, str | None]] = [(root, None)]
    while pending:
        element, anchor_link = pending.pop()
        if element.tag == _ANCHOR:
            target = screen_link(element)
            if target is not None:
                anchor_link = target
                if target not in bindings.links:
                    bindings.links.append(target)
        tag = _bound_tag(element, known_tags)
        if tag is not None:
            if _TAG.match(tag) and len(tag) <= _TAG_MAX_LENGTH:
                element.set("tag", tag)
                bindings.bind(tag, element.get("link") or anchor_link)
            else:
                bindings.problems.append(
                    f"tag {tag!r} on <{element.tag.rpartition('}')[2]} id={element.get('id')!r}>"
                    f" is not a tag (letters, digits and underscores, at most "
                    f"{_TAG_MAX_LENGTH}); the element is not bound"
                )
        pending.extend((child, anchor_link) for child in reversed(element))
    return bindings


def screen_link(anchor: ET.Element) -> str | None:
    """The screen an ``<a>`` opens, when it is a ``#screen:NAME`` link."""
    href = anchor.get(f"{{{XLINK_NS}}}href", anchor.get("href", "")).strip()
    if href.startswith(SCREEN_LINK_PREFIX):
        return href[len(SCREEN_LINK_PREFIX) :].strip() or None
    return None


def _bound_tag(element: ET.Element, known_tags: Container[str]) -> str | None:
    explicit = element.get("tag")
    if explicit is not None:
        return explicit.strip()
    for fallback in (element.get(f"{{{INKSCAPE_NS}}}label"), element.get("id")):
        if fallback and fallback.strip() in known_tags:
            return fallback.strip()
    return None
