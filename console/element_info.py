"""``GET /screens/<id>/elements/<tag>``: what a tooltip shows about one bound element.

The REST API has the element and its formulas, but not which points those formulas read.
This answers it for one element, with the current value of each point, following
``eg.TAG.attr`` names to the points behind the other elements (``hmi.formula_reads``, the
walk the poller uses to tell whether an element is current).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404

from console.access import READ_PERMISSION
from formulas import Ref
from hmi.formula_checks import parse_inputs
from hmi.formula_reads import points_read
from hmi.models import Formula, GraphicElement, Screen
from poll.models import Point, PointKind
from poll.models.points import Quality


def element_info(request: HttpRequest, screen_id: int, tag: str) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Log in first."}, status=401)
    if not request.user.has_perm(READ_PERMISSION):
        return JsonResponse({"detail": "Your role may not read screens."}, status=403)
    screen = get_object_or_404(Screen, pk=screen_id)
    element = get_object_or_404(GraphicElement, profile_id=screen.profile_id, tag=tag)
    formulas = list(element.formulas.order_by("attribute"))
    point_tags = _point_tags(screen.profile_id, element.tag)
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


def _point_tags(profile_id: int, tag: str) -> set[str]:
    """Tags of the points the element's formulas read, directly or through other elements,
    from the names stored with the profile's formulas (none is compiled)."""
    inputs: dict[str, set[Ref]] = {}
    rows = Formula.objects.filter(element__profile_id=profile_id).values_list(
        "element__tag", "inputs"
    )
    for element_tag, text in rows:
        inputs.setdefault(element_tag, set()).update(parse_inputs(text))
    found = points_read([tag], lambda other: inputs.get(other, ()))
    return {point_tag for _, point_tag in found[tag]}


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
