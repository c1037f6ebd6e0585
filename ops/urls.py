"""The operations page, at /operations."""

from django.urls import path

from ops import views

app_name = "ops"

urlpatterns = [
    path("operations", views.operations, name="operations"),
    path("operations/<str:program>/<str:action>", views.program_action, name="action"),
]
