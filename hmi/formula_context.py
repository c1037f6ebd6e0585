"""The names a formula may use in a profile, and their current values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from formulas.names import Ref
from poll.models import Point, Profile


def known_tags(profile: Profile) -> dict[str, set[str]]:
    """Tags per formula kind (ai, di, sv, eg) that exist in ``profile``."""
    from hmi.models import GraphicElement

    tags: dict[str, set[str]] = {"ai": set(), "di": set(), "sv": set(), "eg": set()}
    for kind, tag in Point.objects.filter(profile=profile).values_list("kind", "tag"):
        tags[kind].add(tag)
    tags["eg"].update(GraphicElement.objects.filter(profile=profile).values_list("tag", flat=True))
    return tags


def current_values(profile: Profile, refs: Iterable[Ref]) -> dict[Ref, Any]:
    """The values ``refs`` have now in the database (points and element attributes)."""
    from hmi.models import GraphicElement

    refs = list(refs)
    point_tags = {r.tag for r in refs if r.kind != "eg"}
    element_tags = {r.tag for r in refs if r.kind == "eg"}
    points = {(p.kind, p.tag): p for p in Point.objects.filter(profile=profile, tag__in=point_tags)}
    elements = {
        e.tag: e for e in GraphicElement.objects.filter(profile=profile, tag__in=element_tags)
    }
    values: dict[Ref, Any] = {}
    for ref in refs:
        source = elements.get(ref.tag) if ref.kind == "eg" else points.get((ref.kind, ref.tag))
        if source is not None:
            values[ref] = getattr(source, ref.attr)
    return values
