"""Routes of the field model's API, included under /api/ by smve/urls.py."""

from rest_framework.routers import SimpleRouter

from poll import api

router = SimpleRouter()
router.trailing_slash = "/?"  # /api/points/ and /api/points alike
router.register("profiles", api.ProfileViewSet)
router.register("comasters", api.COMasterViewSet)
router.register("ieds", api.IEDViewSet)
router.register("points", api.PointViewSet)
router.register("events", api.EventViewSet)
router.register("energy", api.EnergyViewSet)

urlpatterns = router.urls
