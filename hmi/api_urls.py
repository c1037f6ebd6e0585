"""Routes of the screens API and the live stream, included under /api/ by smve/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hmi import api
from hmi.stream import stream

router = SimpleRouter()
router.trailing_slash = "/?"  # /api/points/ and /api/points alike
router.register("screens", api.ScreenViewSet)
router.register("elements", api.GraphicElementViewSet)
router.register("formulas", api.FormulaViewSet)
router.register("colours", api.ColourViewSet)

urlpatterns = [path("stream", stream, name="stream"), *router.urls]
