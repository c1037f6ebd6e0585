"""Top-level URLs: the admin for engineers, the REST API and its documentation under /api/,
and the operator console at the root."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.authtoken.views import obtain_auth_token

from ops.api import acquisition_state
from ops.health import healthz, readyz
from ops.links import links
from ops.metrics import metrics


@csrf_exempt  # it changes nothing: a write to an unknown path is a 404, not a CSRF refusal
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown API paths answer in JSON like the rest of the API."""
    return JsonResponse({"detail": f"There is no API endpoint {request.path}."}, status=404)


api_patterns: list[URLPattern | URLResolver] = [
    path("", include("poll.api_urls")),
    path("", include("hmi.api_urls")),
    path("", include("alarms.api_urls")),
    path("", include("commands.api_urls")),
    path("", include("history.urls")),
    path("", include("metering.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("auth/", include("rest_framework.urls")),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("acquisition", acquisition_state, name="acquisition"),
    path("links", links, name="links"),
    re_path(r"^.*$", api_not_found),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),
    path("api/", include(api_patterns)),
    path("", include("console.urls")),
]
