"""The Trends page and the little it needs from the server besides the history API.

- ``/trends``: the page (pens and range may come in the address: ``?tag=A&tag=B&range=24h``,
  which is how a screen element's tooltip opens a trend of its points);
- ``/trends/points?q=``: points to add as pens, found by tag, description or unit;
- ``/trends/views``: the user's saved trend views and those others share (GET), or save one
  (POST, replacing the user's view of the same name); ``/trends/views/<id>`` deletes one
  (its owner only).

The values themselves come from ``GET /api/history/`` (the historian's API), read by the
page's scripts.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods

from console.access import console_page
from console.models import TrendView
from console.page_data import common_data
from console.views import active_profile
from poll.models import Point

PRESETS = ("1h", "8h", "24h", "7d", "30d", "1y")
MAX_PENS = 12
SEARCH_RESULTS = 20
TAG_LENGTH = 40


@console_page
def trends(request: HttpRequest) -> HttpResponse:
    profile = active_profile()
    data = {**common_data(request, profile), "presets": list(PRESETS), "maxPens": MAX_PENS}
    return render(request, "console/trends.html", {"page_data": data, "page": "trends"})


@console_page
@require_GET
def trend_points(request: HttpRequest) -> JsonResponse:
    """Points of the active profile whose tag, description or unit contains ``q`` (or the
    exact tags asked with ``tag=``), as pens: tag, description, unit, kind."""
    points = Point.objects.filter(profile=active_profile())
    tags = request.GET.getlist("tag")
    if tags:
        points = points.filter(tag__in=tags[:MAX_PENS])
    else:
        text = request.GET.get("q", "").strip()
        points = points.filter(
            Q(tag__icontains=text) | Q(description__icontains=text) | Q(unit__icontains=text)
        )
    rows = points.order_by("tag").values("tag", "description", "unit", "kind")[:SEARCH_RESULTS]
    return JsonResponse({"results": list(rows)})


@console_page
@require_http_methods(["GET", "POST"])
def trend_views(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        return _save_view(request)
    shown = TrendView.objects.filter(Q(owner_id=request.user.pk) | Q(shared=True))
    return JsonResponse(
        {"results": [_view_json(view, request) for view in shown.select_related("owner")]}
    )


@console_page
@require_http_methods(["DELETE"])
def trend_view(request: HttpRequest, view_id: int) -> HttpResponse:
    view = get_object_or_404(TrendView, pk=view_id, owner_id=request.user.pk)
    view.delete()
    return HttpResponse(status=204)


def _save_view(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    fields, problems = _view_fields(body)
    if problems:
        return JsonResponse(problems, status=400)
    view, created = TrendView.objects.update_or_create(
        owner_id=request.user.pk, name=fields.pop("name"), defaults=fields
    )
    return JsonResponse(_view_json(view, request), status=201 if created else 200)


def _view_fields(body: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The view's fields from a request body, or the problems with it, by field."""
    if not isinstance(body, dict):
        return {}, {"detail": "Send an object with name, tags, range and shared."}
    problems: dict[str, str] = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 80:
        problems["name"] = "A name of 1 to 80 characters."
    tags = body.get("tags")
    if (
        not isinstance(tags, list)
        or not 1 <= len(tags) <= MAX_PENS
        or not all(isinstance(tag, str) and 0 < len(tag) <= TAG_LENGTH for tag in tags)
    ):
        problems["tags"] = f"A list of 1 to {MAX_PENS} point tags."
    time_range = _time_range(body.get("range"))
    if time_range is None:
        problems["range"] = (
            f'{{"preset": one of {", ".join(PRESETS)}}} or {{"start": ISO, "end": ISO}} '
            "with start before end."
        )
    shared = body.get("shared", False)
    if not isinstance(shared, bool):
        problems["shared"] = "true or false."
    if problems:
        return {}, problems
    return {
        "name": name.strip(),  # type: ignore[union-attr]
        "tags": tags,
        "time_range": time_range,
        "shared": shared,
    }, {}


def _time_range(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    if set(value) == {"preset"}:
        return {"preset": value["preset"]} if value["preset"] in PRESETS else None
    if set(value) != {"start", "end"}:
        return None
    start, end = (_aware(value[key]) for key in ("start", "end"))
    if start is None or end is None or start >= end:
        return None
    return {"start": start.isoformat(), "end": end.isoformat()}


def _aware(value: Any) -> Any:
    """An ISO time with its offset as a datetime; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _view_json(view: TrendView, request: HttpRequest) -> dict[str, Any]:
    return {
        "id": view.pk,
        "name": view.name,
        "owner": view.owner.get_username(),
        "mine": view.owner_id == request.user.pk,
        "shared": view.shared,
        "tags": view.tags,
        "range": view.time_range,
    }
