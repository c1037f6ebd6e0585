"""The REST API of screens, graphic elements, formulas and the palette.

Everyone logged in reads; engineers write screens (importing drawings), formulas (checked
as in the admin) and colours. A screen also serves its sanitised SVG and its state: every
element, or those changed after a revision, which is how scripts follow a screen without
the live stream.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from hmi.formula_preview import refresh_result
from hmi.models import Colour, Formula, GraphicElement, Screen
from hmi.screen_import import import_drawings
from hmi.screen_state import MAX_REVISION, parse_revision, read_state, revision_error
from hmi.serializers import (
    ColourSerializer,
    FormulaSerializer,
    GraphicElementSerializer,
    ScreenSerializer,
    ScreenStateSerializer,
    ScreenWrittenSerializer,
)
from poll.api import RoleAccess, refuse_repeated_parameters

#: A served drawing may draw and style itself, nothing more: no script, no fetch.
SVG_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
)


def revision_parameter(request: Request, name: str) -> int | None:
    """A revision query parameter; a 400 error names what is wrong with it."""
    refuse_repeated_parameters(request)
    raw = request.query_params.get(name, "")
    revision = parse_revision(raw)
    if raw and revision is None:
        raise serializers.ValidationError({name: [revision_error(name, raw)]})
    return revision


class JSONErrorsOnly(BaseContentNegotiation):
    """Use the view's first renderer (JSON) whatever the client accepts: the endpoint's
    success is a raw response of its own type, and its errors are always JSON."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class ScreenViewSet(RoleAccess, viewsets.ModelViewSet):
    """Screens of the tree; writing ``svg`` or ``drawing`` imports a drawing."""

    queryset = Screen.objects.prefetch_related("children", "links")
    filterset_fields = ("profile", "parent")
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        """``state`` and ``svg`` serialise no screen: they skip the prefetch of children
        and links the listing needs (a quarter of ``state``'s CPU when they ran)."""
        if self.action == "state":
            return Screen.objects.only("pk", "profile_id")
        if self.action == "svg":
            return Screen.objects.all()
        return super().get_queryset()

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("create", "update", "partial_update"):
            return ScreenWrittenSerializer
        return ScreenSerializer

    def perform_create(self, serializer: Any) -> None:
        self._save_and_import(serializer)

    def perform_update(self, serializer: Any) -> None:
        self._save_and_import(serializer)

    def _save_and_import(self, serializer: Any) -> None:
        root = serializer.validated_data.pop("parsed_drawing", None)
        new = serializer.instance is None
        with transaction.atomic():
            screen = serializer.save()
            if root is not None:
                (report,) = import_drawings(screen.profile, [(screen.name, root)])
                report.created = new
                screen.refresh_from_db()  # the drawing may name a parent
                screen.import_report = report

    @extend_schema(
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, description="The drawing.")
        }
    )
    @action(detail=True, methods=["get"], content_negotiation_class=JSONErrorsOnly)
    def svg(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The sanitised SVG drawing, with a policy that forbids scripts and fetching."""
        screen = self.get_object()
        response = HttpResponse(screen.svg, content_type="image/svg+xml; charset=utf-8")
        response["Content-Security-Policy"] = SVG_CONTENT_SECURITY_POLICY
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_REVISION},
                description="Only elements changed after this revision (all when absent).",
            )
        ],
        responses=ScreenStateSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def state(self, request: Request, pk: str | None = None) -> Response:
        """Every element's attributes, or only those changed after ``since``, and the
        revision to ask from next time."""
        since = revision_parameter(request, "since")
        screen = self.get_object()
        return Response(read_state(screen.pk, screen.profile_id, since))


class GraphicElementViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    """Elements of the drawings with their live attributes and their formulas."""

    queryset = GraphicElement.objects.prefetch_related("screens", "formulas")
    serializer_class = GraphicElementSerializer
    filterset_fields = ("profile", "screens", "tag", "current")


class FormulaViewSet(RoleAccess, viewsets.ModelViewSet):
    """Formulas; writes are checked for syntax, names and cycles as in the admin."""

    queryset = Formula.objects.select_related("element").prefetch_related("element__screens")
    serializer_class = FormulaSerializer
    filterset_fields = ("element", "attribute", "element__profile", "element__tag")

    def perform_create(self, serializer: Any) -> None:
        refresh_result(serializer.save())

    def perform_update(self, serializer: Any) -> None:
        refresh_result(serializer.save())


class ColourViewSet(RoleAccess, viewsets.ModelViewSet):
    """The palette: the CSS colour of each code fill and stroke formulas return."""

    queryset = Colour.objects.all()
    serializer_class = ColourSerializer
    filterset_fields = ("profile", "index")
