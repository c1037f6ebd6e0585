"""Alarm mail through a real SMTP server (aiosmtpd) started by the test: the delay, one
mail per activation, and one digest per recipient per period in a flood."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.utils import timezone

from alarms.models import Alarm, AlarmDefinition, NotificationRule
from alarms.notifications import send_due


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.mails: list = []

    def handle_message(self, message) -> None:
        self.mails.append(message)


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd needs a known port: take a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


def unack(definition: AlarmDefinition, minutes_ago: float) -> Alarm:
    since = timezone.now() - timedelta(minutes=minutes_ago)
    return Alarm.objects.create(
        definition=definition, state="unack", active=True, state_since=since, message="m"
    )


def test_mail_after_the_delay_once_per_activation(ai_alarm, smtp):
    NotificationRule.objects.create(priority="high", recipients="ops@example.com", delay_minutes=5)
    alarm = unack(ai_alarm, minutes_ago=2)
    assert send_due() == 0  # not yet 5 minutes
    Alarm.objects.filter(pk=alarm.pk).update(state_since=timezone.now() - timedelta(minutes=6))
    assert send_due() == 1
    (mail,) = smtp.mails
    assert mail["To"] == "ops@example.com"
    assert ai_alarm.tag in mail["Subject"]
    assert send_due(timezone.now() + timedelta(hours=1)) == 0  # this activation was mailed


def test_a_flood_gives_one_digest_per_period(ai_alarm, smtp):
    NotificationRule.objects.create(
        recipients="ops@example.com", delay_minutes=0, period_minutes=30
    )
    for i in range(20):
        definition = AlarmDefinition.objects.create(
            profile_id=ai_alarm.profile_id,
            point_id=ai_alarm.point_id,
            tag=f"F{i}",
            kind="h",
            setpoint=1,
            message="flood",
        )
        unack(definition, minutes_ago=1)
    assert send_due() == 1
    assert "20 alarms" in smtp.mails[0]["Subject"]
    late = AlarmDefinition.objects.create(
        profile_id=ai_alarm.profile_id,
        point_id=ai_alarm.point_id,
        tag="LATE",
        kind="h",
        setpoint=1,
        message="late",
    )
    unack(late, minutes_ago=0)
    assert send_due() == 0  # within the period: waits for the next digest
    assert send_due(timezone.now() + timedelta(minutes=31)) == 1
    body = message_from_bytes(smtp.mails[1].as_bytes()).get_payload()
    assert "LATE" in body and "F0" not in body
