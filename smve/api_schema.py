"""The OpenAPI schema says what the API does, errors included.

drf-spectacular describes the successful answer of each operation; this schema class adds
what the API answers otherwise (``400`` for a bad parameter or body, ``401`` without
credentials, ``403`` for a role that may not, ``404``, ``413`` for a body over the limit,
``415`` for a body in a format the operation does not read), and the ranges its query
parameters accept (the filters' bounds, pages from 1), so that a client, or a fuzzer, can
tell a request the API takes from one it refuses by reading the schema alone.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions, serializers
from rest_framework.authtoken.views import ObtainAuthToken

DETAIL_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What is wrong, for a person."}},
    "required": ["detail"],
}
INPUT_ERROR = {
    "type": "object",
    "description": (
        'Either {"detail": "..."} or, for invalid fields and parameters, one list of '
        'messages per name, e.g. {"since": ["..."]}.'
    ),
    "additionalProperties": True,
}
ERROR_DESCRIPTIONS = {
    "400": "A parameter or the body is invalid; the answer says which and why.",
    "401": "No credentials, or a token that is not valid.",
    "403": "The user's role may not do this; the message names the role it needs.",
    "404": "No such object (or page).",
    "413": "The body is over the API's size limit.",
    "415": "The body is in a format this operation does not read.",
    "429": "Too many failed logins for this user from this address; Retry-After says when "
    "to try again.",
}
BODY_METHODS = ("POST", "PUT", "PATCH")
#: Text the API takes: Django refuses NUL in every text field and filter.
NO_NUL = "^[^\\u0000]*$"


class ApiSchema(AutoSchema):
    """drf-spectacular's schema of an operation, with its errors and parameter ranges."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        queries = [p for p in parameters if p["in"] == "query"]
        for parameter in queries:
            self._bound(parameter)
        errors = []
        if queries or "requestBody" in operation:
            errors.append("400")
        if self._needs_login():
            errors += ["401", "403"]
        if any(p["in"] == "path" for p in parameters) or self._is_list():
            errors.append("404")
        if self.method in BODY_METHODS:
            errors += ["413", "415"]
        if isinstance(self.view, ObtainAuthToken):  # a password login: throttled (django-axes)
            errors.append("429")
        responses = operation.setdefault("responses", {})
        for status in errors:
            responses.setdefault(status, self._error_response(status))
        return operation

    def _map_serializer_field(self, field: Any, direction: str, *args: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, *args)
        if direction == "request" and isinstance(field, serializers.CharField):
            _refuse_nul(schema)
        return schema

    def _needs_login(self) -> bool:
        return not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def _is_list(self) -> bool:
        return self.method == "GET" and self._is_list_view()

    def _error_response(self, status: str) -> dict[str, Any]:
        name, schema = ("InputError", INPUT_ERROR) if status == "400" else ("Error", DETAIL_ERROR)
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": component.ref}},
        }

    def _bound(self, parameter: dict[str, Any]) -> None:
        """Optional parameters may be empty (meaning absent, as HTML forms send them);
        whole numbers get the range the API accepts."""
        if not parameter.get("required"):
            parameter["allowEmptyValue"] = True
        schema = parameter.get("schema", {})
        if schema.get("type") == "string":
            _refuse_nul(schema)
        if schema.get("type") != "integer":
            return
        if parameter["name"] in ("page", "page_size"):
            schema.setdefault("minimum", 1)
            return
        low, high = self._filter_range(parameter["name"])
        if low is not None:
            schema.setdefault("minimum", low)
        if high is not None:
            schema.setdefault("maximum", high)

    def _filter_range(self, name: str) -> tuple[int | None, int | None]:
        for backend in getattr(self.view, "filter_backends", []):
            if not hasattr(backend, "get_filterset_class"):
                continue
            queryset = self.view.get_queryset()  # type: ignore[attr-defined]
            filterset = backend().get_filterset_class(self.view, queryset)
            found = filterset.base_filters.get(name) if filterset else None
            if found is not None:
                return found.extra.get("min_value"), found.extra.get("max_value")
        return None, None


def _refuse_nul(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string" and not {"enum", "format", "pattern"} & schema.keys():
        schema["pattern"] = NO_NUL
