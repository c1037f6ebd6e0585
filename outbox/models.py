"""Mail waiting to go out, and the mail outage that stands for every failed try."""

from __future__ import annotations

from django.db import models


class OutboxMail(models.Model):
    """One mail to send. ``key`` makes a mail once only: enqueuing the same key again (after a
    restart, by a second process) adds nothing."""

    key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    recipients = models.TextField(help_text="Addresses, one a line.")
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_try_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["sent_at", "next_try_at"], name="outbox_due")]

    def __str__(self) -> str:
        return self.subject


class MailOutage(models.Model):
    """A time when mail could not be delivered: one row per outage, not one per mail, so an
    SMTP server down for a day raises one alarm instead of a flood."""

    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    failed_tries = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"mail outage since {self.started_at:%Y-%m-%d %H:%M}"
