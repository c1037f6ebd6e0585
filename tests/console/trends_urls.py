"""The site's URLs, plus the history test double when the site has no history API yet:
once the historian's ``/api/history/`` is merged, the real one answers and the double is
unused (and can be deleted with this module and ``trends_settings``)."""

from django.urls import path, resolve

from smve.urls import api_not_found
from smve.urls import urlpatterns as site_patterns
from tests.console.history_double import history

HAS_HISTORY_API = resolve("/api/history/", "smve.urls").func is not api_not_found

urlpatterns = site_patterns if HAS_HISTORY_API else [path("api/history/", history), *site_patterns]
