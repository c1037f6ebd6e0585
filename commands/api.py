"""The commands' REST API: ``/api/commands/`` with ``select/``, ``operate/`` and ``cancel/``,
and ``/api/command-log/`` (the audit trail, read-only). Every rule is the web side's own
(:mod:`commands.service`); a refusal answers with its reason and is audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from commands import service
from commands.audit_query import FILTERS, FilterError, filter_records
from commands.models import Action, AuditRecord, CommandDefinition, CommandRequest
from poll.api import (
    MAX_ID,
    ApiFilterBackend,
    ApiFilterSet,
    ApiPagination,
    WholeNumberFilter,
    refuse_repeated_parameters,
)


class CommandSerializer(serializers.ModelSerializer[CommandDefinition]):
    tag = serializers.CharField(source="point.tag", read_only=True)
    needs_selection = serializers.BooleanField(source="select_before_operate", read_only=True)
    unit = serializers.CharField(source="point.unit", read_only=True)
    blocked = serializers.SerializerMethodField(help_text="Why it is not allowed now, or empty.")
    selected_by = serializers.SerializerMethodField(help_text="Who holds the point now, or null.")

    class Meta:
        model = CommandDefinition
        fields = [
            "id", "tag", "label", "needs_selection", "value", "minimum", "maximum", "unit",
            "role", "selection_timeout", "blocked", "selected_by",
        ]  # fmt: skip

    def get_blocked(self, obj: CommandDefinition) -> str:
        return service.blocking_reason(obj)

    def get_selected_by(self, obj: CommandDefinition) -> str | None:
        held = service.holder(obj.point_id)
        return held.user.get_username() if held else None


class OperateSerializer(serializers.Serializer[Any]):
    value = serializers.FloatField(required=False, help_text="The setpoint's value.")


class RequestSerializer(serializers.ModelSerializer[CommandRequest]):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = CommandRequest
        fields = [
            "id", "definition", "tag", "command", "username", "state", "value",
            "selected_at", "expires_at", "operated_at", "sent_at", "echoed_at", "finished_at",
            "result",
        ]  # fmt: skip


class AuditSerializer(serializers.ModelSerializer[AuditRecord]):
    class Meta:
        model = AuditRecord
        fields = [
            "id", "at", "username", "role", "client_address", "action", "command_id",
            "command", "request_id", "value", "value_before", "result", "durations", "hash",
        ]  # fmt: skip


class CommandLogEntrySerializer(serializers.Serializer[Any]):
    request_id = serializers.IntegerField(allow_null=True)
    result = serializers.CharField(help_text="The request's final result (or its last row's).")
    rows = AuditSerializer(many=True)


class Readable(permissions.BasePermission):
    """Every role reads; writing goes through the service's own role check."""

    def has_permission(self, request: Request, view: Any) -> bool:
        from poll.roles import has_role

        return has_role(request.user)


def client_address(request: Request) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


class CommandFilter(ApiFilterSet):
    tag = filters.CharFilter(field_name="point__tag", label="Only the commands of this point.")
    profile = WholeNumberFilter(
        field_name="point__profile",
        label="Only the commands of this profile.",
        min_value=0,
        max_value=MAX_ID,
    )

    class Meta:
        model = CommandDefinition
        fields = ("tag", "profile")


class CommandViewSet(viewsets.ReadOnlyModelViewSet[CommandDefinition]):
    """The commands, filtered and paged as every list of the API (a parameter that means
    nothing, or given twice, is a 400)."""

    queryset = CommandDefinition.objects.select_related("point").order_by("id")
    serializer_class = CommandSerializer
    permission_classes = [Readable]
    filter_backends = [ApiFilterBackend]
    filterset_class = CommandFilter
    pagination_class = ApiPagination

    def _run(self, request: Request, step: Any, *args: Any) -> Response:
        definition = self.get_object()
        actor = service.Actor(request.user, client_address(request))
        try:
            made = step(definition, actor, *args)
        except service.Refused as refusal:
            return Response({"detail": refusal.message}, status=refusal.status)
        return Response(RequestSerializer(made).data)

    @extend_schema(request=None, responses=RequestSerializer)
    @action(detail=True, methods=["post"])
    def select(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, service.select)

    @extend_schema(request=OperateSerializer, responses=RequestSerializer)
    @action(detail=True, methods=["post"])
    def operate(self, request: Request, pk: str | None = None) -> Response:
        body = OperateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._run(request, service.operate, body.validated_data.get("value"))

    @extend_schema(request=None, responses=RequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, service.cancel)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "holding", bool, description="true: only the requests that hold their point now."
            )
        ]
    )
)
class CommandRequestViewSet(viewsets.ReadOnlyModelViewSet[CommandRequest]):
    """Requests and their progress (the console's control panel follows its own request
    here on each revision of the site stream); ``holding=true``: the points held now, and
    by whom (expired selections do not hold)."""

    queryset = CommandRequest.objects.select_related("user").order_by("-id")
    serializer_class = RequestSerializer
    permission_classes = [Readable]

    pagination_class = ApiPagination

    def get_queryset(self) -> QuerySet[CommandRequest]:
        found = super().get_queryset()
        if self.action != "list":
            return found
        refuse_repeated_parameters(self.request)
        holding = self.request.query_params.get("holding", "")
        if holding not in ("", "true", "false"):
            raise serializers.ValidationError({"holding": ["Give true or false."]})
        return service.holding(found) if holding == "true" else found


#: The command log's parameters that are not free text, as the schema states them.
LOG_PARAMETER_TYPES: dict[str, Any] = {
    "from": OpenApiTypes.DATETIME,
    "to": OpenApiTypes.DATETIME,
    "request": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "action": {"type": "string", "enum": list(Action.values)},
}


class CommandLogViewSet(viewsets.GenericViewSet[AuditRecord]):
    """The audit trail grouped by request, newest first; rows without a request (config
    edits, refusals before any request) are entries of their own."""

    queryset = AuditRecord.objects.all()
    permission_classes = [Readable]
    serializer_class = CommandLogEntrySerializer

    @extend_schema(
        responses=CommandLogEntrySerializer(many=True),
        parameters=[
            OpenApiParameter(key, LOG_PARAMETER_TYPES.get(key, str), description=hint)
            for key, hint in FILTERS.items()
        ],
    )
    def list(self, request: Request) -> Response:
        refuse_repeated_parameters(request)
        try:
            ordered = filter_records(request.query_params)
        except FilterError as error:
            return Response({"detail": str(error)}, status=400)
        page = self.paginate_queryset(ordered)
        rows = page if page is not None else list(ordered)
        entries: dict[Any, list[AuditRecord]] = {}
        for row in rows:
            key = row.request_id if row.request_id is not None else f"row-{row.pk}"
            entries.setdefault(key, []).append(row)
        finals = dict(
            CommandRequest.objects.filter(
                pk__in=[k for k in entries if isinstance(k, int)]
            ).values_list("pk", "result")
        )
        data = []
        for key, group in entries.items():
            group.sort(key=lambda r: r.pk)
            result = finals.get(key) if isinstance(key, int) else None
            data.append(
                {
                    "request_id": key if isinstance(key, int) else None,
                    "result": result or group[-1].result,
                    "rows": AuditSerializer(group, many=True).data,
                }
            )
        if page is not None:
            return self.get_paginated_response(data)
        return Response(data)
