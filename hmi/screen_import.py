"""Importing Inkscape drawings as screens, keeping what engineers configured around them.

A drawing is sanitised, its bound elements are found, and the screen is created or
replaced. Graphic elements are never deleted by an import: an element whose tag vanished
from a drawing only leaves that screen, and keeps its formulas and link. When it is on no
screen any more it is *unplaced*, which the report, the admin and the API show, so an
engineer can decide whether the formulas go or the tag comes back.

Links name screens, and a drawing may link to a screen imported after it, so links and
parents are resolved once all drawings of an import are stored.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parsed trees only; parse_drawing defuses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from hmi.models import GraphicElement, Screen
from hmi.svg_bindings import DrawingBindings, find_bindings
from hmi.svg_sanitiser import (
    MAX_DRAWING_BYTES,
    DrawingError,
    drawing_too_large,
    parse_drawing,
    sanitise,
    to_svg,
)
from poll.models import Point, Profile


@dataclass
class ImportReport:
    """What importing one drawing did, for the engineer who imported it."""

    screen: str
    created: bool = False
    bound: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    without_formula: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as sentences, the summary first."""
        verb = "created" if self.created else "updated"
        lines = [f"Screen {self.screen} {verb}: {len(self.bound)} bound elements."]
        for label, items in (
            ("new elements", self.added),
            ("tags no longer on this screen (formulas and links kept)", self.vanished),
            ("now on no screen at all (their formulas are flagged unplaced)", self.unplaced),
            ("bound elements without a formula", self.without_formula),
            ("removed as unsafe", self.removed),
            ("problems", self.problems),
        ):
            if items:
                lines.append(f"  {label}: {', '.join(items)}")
        return lines


@dataclass
class _Stored:
    screen: Screen
    bindings: DrawingBindings
    parent: str | None
    report: ImportReport


def import_drawing(profile: Profile, name: str, data: bytes | str) -> ImportReport:
    """Create or replace the screen ``name`` from one drawing; raise ``DrawingError`` when
    the drawing is refused (nothing is written then)."""
    return import_drawings(profile, [(name, parse_drawing(data))])[0]


def import_drawings(
    profile: Profile, drawings: Iterable[tuple[str, ET.Element]]
) -> list[ImportReport]:
    """Import parsed drawings (see ``parse_drawing``) as one change; links between them
    resolve in any order."""
    with transaction.atomic():
        stored = [_store(profile, name, root) for name, root in drawings]
        by_name = {s.name: s for s in Screen.objects.filter(profile=profile)}
        for item in stored:
            _resolve_links(item, by_name)
            _resolve_parent(item, by_name)
            _list_elements_without_formula(item)
    return [item.report for item in stored]


def import_files(profile: Profile, paths: Iterable[Path]) -> tuple[list[ImportReport], list[str]]:
    """Import ``.svg`` files (directories: the ``.svg`` files in them), each screen named
    after its file. Returns the reports and the files refused, with why."""
    drawings: list[tuple[str, ET.Element]] = []
    refused: list[str] = []
    for path in _svg_files(paths):
        try:
            drawings.append((screen_name_for(path), read_drawing(path)))
        except OSError as exc:
            refused.append(f"{path}: cannot be read ({exc.strerror})")
        except DrawingError as exc:
            refused.append(f"{path}: {exc}")
    return (import_drawings(profile, drawings) if drawings else []), refused


def read_drawing(path: Path) -> ET.Element:
    """The parsed drawing in ``path``; a file over the size limit is refused before it is
    read."""
    size = path.stat().st_size
    if size > MAX_DRAWING_BYTES:
        raise DrawingError(drawing_too_large(size))
    return parse_drawing(path.read_bytes())


def screen_name_for(path: Path) -> str:
    """A drawing's screen name: its file name without ``.svg``; refused
    (``DrawingError``) when too long for a screen name."""
    longest: int = getattr(Screen._meta.get_field("name"), "max_length", 0)
    if len(path.stem) > longest:
        raise DrawingError(
            f"the file name makes a screen name of {len(path.stem)} characters; screen "
            f"names have at most {longest}: rename the file"
        )
    return path.stem


def _svg_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() == ".svg"))
        else:
            files.append(path)
    return files


def _store(profile: Profile, name: str, root: ET.Element) -> _Stored:
    removed = sanitise(root)
    known = set(Point.objects.filter(profile=profile).values_list("tag", flat=True))
    known.update(GraphicElement.objects.filter(profile=profile).values_list("tag", flat=True))
    bindings = find_bindings(root, known)
    parent = root.attrib.pop("parent", None)

    screen, created = Screen.objects.get_or_create(profile=profile, name=name)
    screen.svg = to_svg(root)
    screen.save(update_fields=["svg"])
    report = ImportReport(
        screen=name,
        created=created,
        bound=sorted(bindings.elements),
        removed=[f"{count} x {what}" for what, count in sorted(removed.items())],
        problems=list(bindings.problems),
    )

    before = set(screen.elements.values_list("tag", flat=True))
    elements = _elements_for(profile, bindings.elements, report)
    screen.elements.set(elements.values())
    report.vanished = sorted(before - set(elements))
    report.unplaced = sorted(
        GraphicElement.objects.filter(profile=profile, tag__in=report.vanished, screens=None)
        .values_list("tag", flat=True)
        .distinct()
    )
    return _Stored(screen, bindings, parent, report)


def _elements_for(
    profile: Profile, tags: Iterable[str], report: ImportReport
) -> dict[str, GraphicElement]:
    """The profile's element of every tag, creating the missing ones."""
    tags = list(tags)
    elements = {e.tag: e for e in GraphicElement.objects.filter(profile=profile, tag__in=tags)}
    missing = [tag for tag in tags if tag not in elements]
    descriptions = dict(
        Point.objects.filter(profile=profile, tag__in=missing).values_list("tag", "description")
    )
    for tag in missing:
        elements[tag] = GraphicElement.objects.create(
            profile=profile, tag=tag, description=descriptions.get(tag, "")[:200]
        )
    report.added = sorted(missing)
    return elements


def _resolve_links(item: _Stored, screens: dict[str, Screen]) -> None:
    """Set element links the drawing names; an element the drawing gives no link keeps
    the one it has."""
    targets: list[Screen] = []
    for name in item.bindings.links:
        if name in screens:
            targets.append(screens[name])
        else:
            item.report.problems.append(f"link to unknown screen {name!r}")
    item.screen.links.set(targets)
    wanted = {tag: link for tag, link in item.bindings.elements.items() if link}
    for element in item.screen.elements.filter(tag__in=wanted):
        target = screens.get(wanted[element.tag])
        if target is None:
            if wanted[element.tag] not in item.bindings.links:
                item.report.problems.append(
                    f"{element.tag} links to unknown screen {wanted[element.tag]!r}"
                )
        elif element.link_id != target.pk:
            element.link = target
            element.save(update_fields=["link"])


def _resolve_parent(item: _Stored, screens: dict[str, Screen]) -> None:
    """A drawing may name its parent screen in a ``parent`` attribute of its root."""
    if not item.parent:
        return
    parent = screens.get(item.parent)
    if parent is None:
        item.report.problems.append(f"parent screen {item.parent!r} does not exist")
    elif _is_in_subtree(parent, item.screen):
        item.report.problems.append(
            f"parent screen {item.parent!r} is below {item.screen.name}; parent not changed"
        )
    elif item.screen.parent_id != parent.pk:
        item.screen.parent = parent
        item.screen.save(update_fields=["parent"])


def _is_in_subtree(candidate: Screen, root: Screen) -> bool:
    seen: set[Any] = set()
    node: Screen | None = candidate
    while node is not None and node.pk not in seen:
        if node.pk == root.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _list_elements_without_formula(item: _Stored) -> None:
    item.report.without_formula = sorted(
        item.screen.elements.filter(formulas=None).values_list("tag", flat=True)
    )
