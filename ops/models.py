"""The audit of the operations page: who asked supervisor for what, and what came of it.

A row is written before supervisor is asked, so that an action that takes the web server
down with it (stopping the web program from its own page) is still on record."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OperationsAction(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="kept if the account is deleted")
    address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=20)
    program = models.CharField(max_length=120)
    outcome = models.CharField(max_length=20, default="requested")
    """requested (no answer yet), done or failed."""
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.program}"
