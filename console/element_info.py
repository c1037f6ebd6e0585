"""``GET /screens/<id>/elements/<tag>``: what a tooltip shows about one bound element.

The REST API has the element and its formulas, but not which points those formulas read:
that takes compiling them. This answers it for one element, with the current value of each
point, following ``eg.TAG.attr`` names to the points behind the other elements.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404

from console.access import READ_PERMISSION
from formulas import FormulaError, compile_formula
from hmi.models import Formula, GraphicElement, Screen
from poll.models import Point, PointKind
from poll.models.points import Quality

#: How deep ``eg`` references are followed (a formula reading an element whose formula
#: reads another element ...); drawings rarely go past two.
MAX_ELEMENT_DEPTH = 5


def element_info(request: HttpRequest, screen_id: int, tag: str) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Log in first."}, status=401)
    if not request.user.has_perm(READ_PERMISSION):
        return JsonResponse({"detail": "Your role may not read screens."}, status=403)
    screen = get_object_or_404(Screen, pk=screen_id)
    element = get_object_or_404(GraphicElement, profile_id=screen.profile_id, tag=tag)
    formulas = list(element.formulas.order_by("attribute"))
    point_tags = points_read(screen.profile_id, formulas)
    points = (
        Point.objects.filter(profile_id=screen.profile_id, tag__in=point_tags)
        .select_related("ied__comaster", "modbus_device")
        .order_by("tag")
    )
    return JsonResponse(
        {
            "tag": element.tag,
            "description": element.description,
            "current": element.current,
            "error": element.error,
            "updated_at": element.updated_at,
            "formulas": [
                {"attribute": f.attribute, "source": f.source, "error": f.last_error}
                for f in formulas
            ],
            "points": [_point(point) for point in points],
        }
    )


def points_read(profile_id: int, formulas: list[Formula]) -> set[str]:
    """Tags of the points the formulas read, directly or through other elements."""
    tags: set[str] = set()
    seen_elements: set[int] = set()
    for _depth in range(MAX_ELEMENT_DEPTH):
        element_tags: set[str] = set()
        for formula in formulas:
            try:
                inputs = compile_formula(formula.source).inputs
            except FormulaError:
                continue
            for ref in inputs:
                (element_tags if ref.kind == "eg" else tags).add(ref.tag)
        seen_elements.update(f.element_id for f in formulas)
        formulas = list(
            Formula.objects.filter(
                element__profile_id=profile_id, element__tag__in=element_tags
            ).exclude(element_id__in=seen_elements)
        )
        if not formulas:
            break
    return tags


def _point(point: Point) -> dict[str, Any]:
    text = ""
    if point.kind == PointKind.DI and point.value is not None:
        text = point.text_on if point.value else point.text_off
    return {
        "tag": point.tag,
        "kind": point.kind,
        "description": point.description,
        "value": point.value,
        "text": text,
        "unit": point.unit,
        "quality": Quality(point.q).label if point.q in Quality.values else str(point.q),
        "normal": point.q == Quality.NORMAL,
        "current": point.current,
        "updated_at": point.updated_at,
        "comaster": _source_name(point),
    }


def _source_name(point: Point) -> str:
    """The COMaster (for a Mara point) or the Modbus device a point is read from."""
    if point.ied is not None:
        return point.ied.comaster.name
    assert point.modbus_device is not None, "the point_has_one_source constraint"
    return point.modbus_device.name
