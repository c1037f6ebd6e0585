"""The console's pages, included at the site's root by smve/urls.py."""

from django.contrib.auth import views as auth_views
from django.urls import path

from console import alarm_views, command_log_views, metering_views, trends, views
from console.element_info import element_info

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("screens/<int:screen_id>/", views.screen, name="screen"),
    path(
        "screens/<int:screen_id>/elements/<str:tag>",
        element_info,
        name="element-info",
    ),
    path("events", views.events, name="events"),
    path("status", views.status, name="status"),
    path("trends", trends.trends, name="trends"),
    path("trends/points", trends.trend_points, name="trend-points"),
    path("trends/views", trends.trend_views, name="trend-views"),
    path("trends/views/<int:view_id>", trends.trend_view, name="trend-view"),
    path("metering", metering_views.metering, name="metering"),
    path("metering/report", metering_views.metering_report, name="metering-report"),
    path("alarms", alarm_views.summary, name="alarms"),
    path("alarms/journal", alarm_views.journal, name="alarm-journal"),
    path("alarms/kpis", alarm_views.kpis, name="alarm-kpis"),
    path("alarms/screen", alarm_views.alarm_screen, name="alarm-screen"),
    path("commands/log", command_log_views.command_log, name="command-log"),
    path("commands/log.csv", command_log_views.command_log_csv, name="command-log-csv"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="console/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
