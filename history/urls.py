"""Routes of the history API, included under /api/ by smve/urls.py."""

from django.urls import re_path

from history.api import HistoryView

urlpatterns = [re_path(r"^history/?$", HistoryView.as_view(), name="history")]
