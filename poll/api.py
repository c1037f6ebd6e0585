"""The REST API of the field model: profiles, COMasters, IEDs, points, events and energy.

Reading needs the ``view`` permission of the model (every role has it), acknowledging
events ``poll.acknowledge_event`` (operators), changing configuration the model's change
permissions (engineers). ``RolePermission`` says which role an action needs when it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.widgets import DateRangeWidget
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from poll.models import IED, COMaster, Energy, Event, Point, Profile
from poll.serializers import (
    MAX_ID,
    AcknowledgedSerializer,
    AcknowledgeSerializer,
    COMasterSerializer,
    EnergySerializer,
    EventSerializer,
    IEDSerializer,
    PointSerializer,
    ProfileSerializer,
)

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission

READ_METHODS = ("GET", "HEAD", "OPTIONS")
#: Ids as URL parts: a longer number could not be an id, and is a 404 before any query.
ID_PATTERN = r"[0-9]{1,18}"


class RolePermission(permissions.DjangoModelPermissions):
    """Model permissions, including ``view`` for reading, with a refusal that names the role."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        allowed = super().has_permission(request, view)
        if not allowed:
            self.message = (
                "Your role may not read this; ask for the viewer role."
                if request.method in READ_METHODS
                else "Changing the configuration needs the engineer role."
            )
        return allowed


class CanAcknowledge(permissions.BasePermission):
    message = "Acknowledging events needs the operator role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("poll.acknowledge_event"))


class ApiPagination(PageNumberPagination):
    """Pages of 100 by default; ``page_size`` from 1 up, and more than 1000 gives 1000."""

    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param, "")
        if not raw:
            return self.page_size
        digits = raw.lstrip("0")
        if not (digits.isascii() and digits.isdigit()):
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        f"{raw[:40]!r} is not a page size: give a whole number from 1 "
                        f"(at most {self.max_page_size} are sent)."
                    ]
                }
            )
        if len(digits) > len(str(self.max_page_size)):  # no int() of a huge number
            return self.max_page_size
        return min(int(digits), self.max_page_size)


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (any case); anything else is an error, where Django's own
    boolean field would quietly drop the filter and answer every row."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text not in ("true", "false"):
            raise forms.ValidationError("Give true or false.", code="invalid")
        return text == "true"


class BooleanFilter(django_filters.BooleanFilter):
    """A boolean read as typed: no widget that maps what it does not know to "any"."""

    field_class = StrictBooleanField  # type: ignore[assignment]  # stubs: any form field is right


class WholeNumberField(forms.IntegerField):
    """Digits, with a sign at most: Django's own field also takes ``0.0`` or ``1.000``,
    which the schema's ``integer`` does not."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not WHOLE_NUMBER_TEXT.fullmatch(str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


WHOLE_NUMBER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")


class WholeNumberFilter(filters.NumberFilter):
    """A whole number within the column's range: anything else is a 400 with a message,
    never a number the database refuses."""

    field_class = WholeNumberField  # type: ignore[assignment]  # stubs: any form field is right


def _column_range(field: models.Field[Any, Any]) -> dict[str, int | None]:
    column = (
        field.target_field
        if isinstance(field, models.ForeignKey | models.ManyToManyField)
        else field
    )
    low, high = connection.ops.integer_field_range(column.get_internal_type())
    return {"min_value": low, "max_value": high}


_WHOLE_NUMBER = {"filter_class": WholeNumberFilter, "extra": _column_range}


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, taken to UTC: the database accepts offsets of less than 16 hours
    only, and an instant before year 1 in UTC is no time at all."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("This time is out of range.", code="invalid") from exc


class UtcDateTimeRangeField(RangeField):
    widget = DateRangeWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__((UtcDateTimeField(), UtcDateTimeField()), *args, **kwargs)


class TimeRangeFilter(filters.IsoDateTimeFromToRangeFilter):
    """``NAME_after`` and ``NAME_before``, ISO 8601 times with their offset."""

    field_class = UtcDateTimeRangeField  # type: ignore[assignment]  # stubs: any form field is right


class ApiFilterSet(filters.FilterSet):
    """Filters by id or by an integer column take whole numbers the column can hold."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        **dict.fromkeys(
            (
                models.AutoField,
                models.SmallIntegerField,
                models.IntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.ForeignKey,
                models.OneToOneField,
                models.ManyToManyField,
            ),
            _WHOLE_NUMBER,
        ),
        models.BooleanField: {"filter_class": BooleanFilter},
    }


def refuse_repeated_parameters(request: HttpRequest) -> None:
    """A parameter given twice is a 400: Django would quietly use the last value. (A DRF
    ``Request`` passes for the ``HttpRequest`` it wraps: its ``GET`` is the query.)"""
    repeated = sorted(n for n, values in request.GET.lists() if len(values) > 1)
    if repeated:
        raise serializers.ValidationError(
            {name: ["Given more than once: give it once."] for name in repeated}
        )


class ApiFilterBackend(filters.DjangoFilterBackend):
    filterset_base = ApiFilterSet

    def filter_queryset(
        self, request: HttpRequest, queryset: QuerySet[Any], view: Any
    ) -> QuerySet[Any]:
        if not getattr(view, "detail", False):  # lists read parameters; one object reads none
            refuse_repeated_parameters(request)
        return super().filter_queryset(request, queryset, view)


class RoleAccess(GenericAPIView):
    """What every viewset of the API shares: role permissions, filters, pagination (a
    view class of DRF's, so that these settings keep its types)."""

    permission_classes = [RolePermission]
    filter_backends = [ApiFilterBackend]
    pagination_class = ApiPagination
    lookup_value_regex = ID_PATTERN


class PointFilter(ApiFilterSet):
    comaster = WholeNumberFilter(
        field_name="ied__comaster", label="COMaster id", min_value=0, max_value=MAX_ID
    )
    tag = filters.CharFilter(field_name="tag", label="Tag (exact)")

    class Meta:
        model = Point
        fields = ("profile", "kind", "ied", "comaster", "modbus_device", "tag", "current")


class EventFilter(ApiFilterSet):
    time = TimeRangeFilter(
        field_name="time", label="Field time range: time_after, time_before (ISO 8601)"
    )
    acknowledged = BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", exclude=True, label="Acknowledged"
    )

    class Meta:
        model = Event
        fields = ("profile", "comaster", "ied_address", "di", "time", "acknowledged")


class EnergyFilter(ApiFilterSet):
    time = TimeRangeFilter(
        field_name="time", label="Period time range: time_after, time_before (ISO 8601)"
    )

    class Meta:
        model = Energy
        fields = ("profile", "comaster", "ai", "code", "time")


class ProfileViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    queryset = Profile.objects.all()
    serializer_class = ProfileSerializer
    filterset_fields = ("active",)


class COMasterViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    """COMasters with their communication state (online, last poll, counters)."""

    queryset = COMaster.objects.all()
    serializer_class = COMasterSerializer
    filterset_fields = ("profile", "online", "enabled")


class IEDViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    queryset = IED.objects.select_related("comaster")
    serializer_class = IEDSerializer
    filterset_fields = ("comaster",)


class PointViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    """SV, DI and AI points with their current value, quality and whether it is current."""

    queryset = Point.objects.select_related("ied")
    serializer_class = PointSerializer
    filterset_class = PointFilter


class EventViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    """DI events, newest first; operators acknowledge them."""

    queryset = Event.objects.select_related("di", "acknowledged_by")
    serializer_class = EventSerializer
    filterset_class = EventFilter

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        if self.action in ("acknowledge", "acknowledge_many"):
            return [permissions.IsAuthenticated(), CanAcknowledge()]
        return super().get_permissions()

    @extend_schema(operation_id="events_acknowledge", request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Acknowledge one event (an event acknowledged before keeps its first
        acknowledgement)."""
        event = self.get_object()
        _acknowledge(Event.objects.filter(pk=event.pk), request)
        event.refresh_from_db()
        return Response(self.get_serializer(event).data)

    @extend_schema(
        operation_id="events_acknowledge_many",
        request=AcknowledgeSerializer,
        responses=AcknowledgedSerializer,
    )
    @action(detail=False, methods=["post"], url_path="acknowledge", pagination_class=None)
    def acknowledge_many(self, request: Request) -> Response:
        """Acknowledge several events at once; unknown ids refuse the whole request."""
        payload = AcknowledgeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = set(payload.validated_data["ids"])
        with transaction.atomic():
            events = Event.objects.select_for_update().filter(pk__in=ids)
            unknown = ids - set(events.values_list("pk", flat=True))
            if unknown:
                return Response(
                    {"detail": f"Unknown events: {', '.join(map(str, sorted(unknown)))}."},
                    status=400,
                )
            done = _acknowledge(events, request)
        return Response({"acknowledged": done, "already": len(ids) - done})


def _acknowledge(events: QuerySet[Event], request: Request) -> int:
    return events.filter(acknowledged_at__isnull=True).update(
        acknowledged_by=request.user, acknowledged_at=timezone.now()
    )


class EnergyViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    """Energy records: 15-minute periods (code 0), day's last period (1), days (3)."""

    queryset = Energy.objects.select_related("ai")
    serializer_class = EnergySerializer
    filterset_class = EnergyFilter
