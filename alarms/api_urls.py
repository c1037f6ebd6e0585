"""Routes of the alarms API, included under /api/ by smve/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from alarms import api

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("alarms", api.AlarmViewSet, basename="alarm")
router.register("alarm-journal", api.JournalViewSet, basename="alarm-journal")

urlpatterns = [path("alarm-kpis/", api.KpiView.as_view(), name="alarm-kpis"), *router.urls]
