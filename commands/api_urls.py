"""Routes of the commands' API, included under /api/ by smve/urls.py."""

from rest_framework.routers import SimpleRouter

from commands import api

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("commands", api.CommandViewSet)
router.register("command-requests", api.CommandRequestViewSet, basename="command-request")
router.register("command-log", api.CommandLogViewSet, basename="command-log")

urlpatterns = router.urls
