"""Routes of the metering API, included under /api/ by smve/urls.py."""

from django.urls import re_path

from metering.api import DashboardView, ReadingsView, ReportView

urlpatterns = [
    re_path(r"^metering/readings/?$", ReadingsView.as_view(), name="metering-readings"),
    re_path(r"^metering/report/?$", ReportView.as_view(), name="metering-report"),
    re_path(r"^metering/dashboard/?$", DashboardView.as_view(), name="metering-dashboard"),
]
