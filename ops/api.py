"""``GET /api/acquisition``: whether acquisition runs, for the console's banner
("acquisition stopped since hh:mm"). Any role that reads screens may ask."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.acquisition import acquisition

READ_PERMISSION = "hmi.view_screen"  # the console's: every role has it


@require_GET
@never_cache
def acquisition_state(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    if not request.user.has_perm(READ_PERMISSION):
        return JsonResponse({"detail": "Your account has no role."}, status=403)
    return JsonResponse(acquisition().as_json())
