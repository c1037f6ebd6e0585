"""The alarms API: current alarms and the operator's actions on them, the journal, the KPIs.

Reading needs the ``view`` permission (every role); acknowledging and resetting
``alarms.acknowledge_alarm`` and shelving ``alarms.shelve_alarm`` (operators); putting out of
service and back ``alarms.remove_alarm_from_service`` (engineers). Every action locks the
alarm's row and goes through :func:`alarms.transitions.apply`, as the poller does, so an
acknowledge racing a new activation is applied to whichever state committed first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alarms import kpis
from alarms.models import PRIORITY_RANK, STATE_CHOICES, Alarm, AlarmTransition, Priority
from alarms.serializers import (
    AlarmSerializer,
    ReasonSerializer,
    ShelveSerializer,
    TransitionSerializer,
)
from alarms.shelves import expire_shelves
from alarms.states import Event, State
from alarms.transitions import apply, new_revision, save
from poll.api import (
    MAX_ID,
    ApiFilterSet,
    ApiPagination,
    RoleAccess,
    TimeRangeFilter,
    WholeNumberFilter,
)

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission


class ActionPermission(permissions.BasePermission):
    """The permission each action of :class:`AlarmViewSet` needs, with the role it names."""

    NEEDS = {
        "acknowledge": ("alarms.acknowledge_alarm", "operator"),
        "reset": ("alarms.acknowledge_alarm", "operator"),
        "shelve": ("alarms.shelve_alarm", "operator"),
        "unshelve": ("alarms.shelve_alarm", "operator"),
        "out_of_service": ("alarms.remove_alarm_from_service", "engineer"),
        "return_to_service": ("alarms.remove_alarm_from_service", "engineer"),
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        perm, role = self.NEEDS[view.action]
        self.message = f"This action on alarms needs the {role} role."
        return bool(request.user and request.user.has_perm(perm))


class AlarmFilter(ApiFilterSet):
    priority = filters.ChoiceFilter(choices=Priority.choices, field_name="definition__priority")
    area = filters.CharFilter(field_name="definition__area", label="Area (exact)")
    state = filters.ChoiceFilter(choices=STATE_CHOICES)
    profile = WholeNumberFilter(
        field_name="definition__profile", label="Profile id", min_value=0, max_value=MAX_ID
    )

    class Meta:
        model = Alarm
        fields = ("priority", "area", "state", "profile")


class CurrentAlarmsPagination(ApiPagination):
    """Pages of 100 by default, and up to 10,000 on request: the console reads a whole
    flood in one request (a read of many pages, numbered while the list changes under it,
    can skip or repeat alarms and costs one query per page)."""

    max_page_size = 10_000


class AlarmViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    """Current alarms: every alarm not in the normal state, by priority then newest first."""

    pagination_class = CurrentAlarmsPagination

    serializer_class = AlarmSerializer
    filterset_class = AlarmFilter
    queryset = Alarm.objects.select_related("definition__point")

    def get_queryset(self) -> QuerySet[Alarm]:
        rank = Case(
            *(When(definition__priority=p, then=Value(r)) for p, r in PRIORITY_RANK.items()),
            output_field=IntegerField(),
        )
        return (
            super()
            .get_queryset()
            .exclude(state=State.NORMAL)
            .annotate(rank=rank)
            .order_by("rank", "-state_since", "id")
        )

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        if self.action in ActionPermission.NEEDS:
            return [permissions.IsAuthenticated(), ActionPermission()]
        return super().get_permissions()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        expire_shelves()
        return super().list(request, *args, **kwargs)

    def _act(self, request: Request, pk: str | None, event: Event, **fields: Any) -> Response:
        expire_shelves()
        with transaction.atomic():
            alarm = (
                Alarm.objects.select_for_update(of=("self",))
                .select_related("definition__point")
                .filter(pk=pk or 0)
                .first()
            )
            if alarm is None:
                return Response({"detail": f"There is no alarm {pk}."}, status=404)
            if event is Event.SHELVE:
                fields = self._shelve_fields(alarm, request)
            now = timezone.now()
            shelved_until = fields.pop("shelved_until", None)
            transition = apply(
                alarm, event, time=now, revision=new_revision(), user_id=request.user.pk, **fields
            )
            if transition is None:
                return Response(
                    {"detail": f"An alarm in state {alarm.state!r} cannot take {event.value!r}."},
                    status=409,
                )
            if shelved_until is not None:
                alarm.shelved_until = shelved_until
            save(alarm, transition)
        return Response(AlarmSerializer(alarm).data)

    @staticmethod
    def _shelve_fields(alarm: Alarm, request: Request) -> dict[str, Any]:
        payload = ShelveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        minutes = payload.validated_data["minutes"]
        most = alarm.definition.max_shelve_minutes
        if minutes > most:
            raise serializers.ValidationError(
                {"minutes": [f"This alarm may be shelved for at most {most} minutes."]}
            )
        return {
            "reason": payload.validated_data["reason"],
            "shelved_until": timezone.now() + timedelta(minutes=minutes),
        }

    @staticmethod
    def _reason(request: Request) -> str:
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reason: str = payload.validated_data["reason"]
        return reason

    @extend_schema(request=None, responses=AlarmSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Acknowledge an alarm, active or returned to normal (409 if nothing to
        acknowledge)."""
        return self._act(request, pk, Event.ACKNOWLEDGE)

    @extend_schema(request=None, responses=AlarmSerializer)
    @action(detail=True, methods=["post"])
    def reset(self, request: Request, pk: str | None = None) -> Response:
        """Reset a latched alarm that has returned to normal."""
        return self._act(request, pk, Event.RESET)

    @extend_schema(request=ShelveSerializer, responses=AlarmSerializer)
    @action(detail=True, methods=["post"])
    def shelve(self, request: Request, pk: str | None = None) -> Response:
        """Shelve an alarm for ``minutes`` (at most the definition's maximum) with a
        ``reason``; when the shelf expires an active alarm returns unacknowledged."""
        return self._act(request, pk, Event.SHELVE)

    @extend_schema(request=None, responses=AlarmSerializer)
    @action(detail=True, methods=["post"])
    def unshelve(self, request: Request, pk: str | None = None) -> Response:
        """Unshelve by hand: an active alarm returns acknowledged."""
        return self._act(request, pk, Event.UNSHELVE)

    @extend_schema(request=ReasonSerializer, responses=AlarmSerializer)
    @action(detail=True, methods=["post"], url_path="out-of-service")
    def out_of_service(self, request: Request, pk: str | None = None) -> Response:
        """Take an alarm out of service, with a ``reason`` (engineers)."""
        return self._act(request, pk, Event.REMOVE_FROM_SERVICE, reason=self._reason(request))

    @extend_schema(request=None, responses=AlarmSerializer)
    @action(detail=True, methods=["post"], url_path="return-to-service")
    def return_to_service(self, request: Request, pk: str | None = None) -> Response:
        """Put an alarm back in service; an active one is annunciated again."""
        return self._act(request, pk, Event.RETURN_TO_SERVICE)


class JournalFilter(ApiFilterSet):
    time = TimeRangeFilter(field_name="time", label="Time range: time_after, time_before")
    priority = filters.ChoiceFilter(choices=Priority.choices)
    area = filters.CharFilter(field_name="area", label="Area (exact)")
    point = filters.NumberFilter(field_name="alarm__definition__point", label="Point id")
    alarm = filters.NumberFilter(field_name="alarm", label="Alarm id")

    class Meta:
        model = AlarmTransition
        fields = ("time", "priority", "area", "point", "alarm")


class CsvRenderer(renderers.BaseRenderer):
    """The journal as CSV (``?format=csv``): every matching row, not a page."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        import csv
        import io

        rows = data if isinstance(data, list) else [data]
        out = io.StringIO()
        writer = csv.DictWriter(
            out, fieldnames=TransitionSerializer.Meta.fields, extrasaction="ignore"
        )
        if rows and "id" in rows[0]:
            writer.writeheader()
            writer.writerows(rows)
        else:
            out.write(str(data))
        return out.getvalue().encode()


class JournalViewSet(RoleAccess, viewsets.ReadOnlyModelViewSet):
    """Every alarm transition (the alarm journal), newest first."""

    serializer_class = TransitionSerializer
    filterset_class = JournalFilter
    queryset = AlarmTransition.objects.select_related("alarm__definition", "user").order_by(
        "-time", "-id"
    )
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CsvRenderer]

    def paginate_queryset(self, queryset: Any) -> Any:
        if (
            getattr(self.request, "accepted_renderer", None)
            and self.request.accepted_renderer.format == "csv"
        ):
            # Every row goes out, but a malformed page size is still an error, not ignored.
            if isinstance(self.paginator, ApiPagination):
                self.paginator.get_page_size(self.request)
            return None
        return super().paginate_queryset(queryset)


class CanViewJournal(permissions.BasePermission):
    message = "Your role may not read this; ask for the viewer role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("alarms.view_alarmtransition"))


class KpiQuerySerializer(serializers.Serializer[None]):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["The end must come after the start."]})
        return attrs


class KpiView(APIView):
    """Alarm-system KPIs (ISA-18.2 / EEMUA 191) over ``start`` to ``end`` (ISO 8601)."""

    permission_classes = [permissions.IsAuthenticated, CanViewJournal]

    @extend_schema(parameters=[KpiQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        query = KpiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            kpis.compute(kpis.Period(query.validated_data["start"], query.validated_data["end"]))
        )
