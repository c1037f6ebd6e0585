"""A mail outage is one system alarm: the outbox against a real SMTP server (aiosmtpd) that
is stopped, then started again on the same port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from rest_framework.test import APIClient

from alarms.models import Alarm, AlarmDayCount, AlarmDefinition, AlarmTransition
from outbox.models import MailOutage
from outbox.sending import deliver, enqueue
from poll.profiles import export_profile, load_profile
from tests.alarms.conftest import SMALL_PROFILE

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.mails: list = []

    def handle_message(self, message) -> None:
        self.mails.append(message)


class Server:
    """An aiosmtpd server on a fixed port that can be stopped and started again."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def server(settings) -> Iterator[Server]:
    smtp = Server()
    smtp.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_TIMEOUT = 5
    yield smtp
    smtp.stop()


@pytest.fixture
def operator(role_user) -> APIClient:
    client = APIClient()
    client.force_login(role_user("operator"))
    return client


def outage(server: Server, mails: int, minutes: int = 30) -> None:
    """Stop the server, queue ``mails`` and let the outbox try for ``minutes``."""
    server.stop()
    for n in range(mails):
        enqueue(f"test:{n}", f"mail {n}", "body", ["ops@example.com"], now=NOW)
    for minute in range(minutes):
        deliver(NOW + timedelta(minutes=minute))


def mail_alarm() -> Alarm:
    return Alarm.objects.select_related("definition").get(definition__tag="system.mail")


@pytest.mark.parametrize("mails", [1, 12])
def test_an_outage_raises_one_alarm_however_many_mails_wait(small_profile, server, mails):
    outage(server, mails)
    assert MailOutage.objects.count() == 1
    (alarm,) = Alarm.objects.filter(definition__kind="system")
    definition = alarm.definition
    assert (definition.tag, definition.priority) == ("system.mail", "high")
    assert definition.area == "System"
    assert definition.profile == small_profile
    assert (alarm.state, alarm.active, alarm.state_since) == ("unack", True, NOW)
    assert alarm.message.startswith("Mail cannot be sent: ")
    assert "Connection" in alarm.message  # the outage's first error, as the outbox saw it
    (row,) = AlarmTransition.objects.filter(alarm=alarm)
    assert (row.event, row.to_state, row.time, row.priority) == ("activate", "unack", NOW, "high")
    assert row.revision == alarm.revision > 0


def test_delivery_again_returns_it_to_normal_unacknowledged(small_profile, server, role_user):
    outage(server, 3)
    server.start()
    back = NOW + timedelta(hours=3)
    assert deliver(back) == 3
    alarm = mail_alarm()
    assert (alarm.state, alarm.active, alarm.state_since) == ("rtn_unack", False, back)
    events = list(AlarmTransition.objects.filter(alarm=alarm).values_list("event", "time"))
    assert events == [("activate", NOW), ("clear", back)]
    client = APIClient()
    client.force_login(role_user("viewer"))
    (row,) = client.get("/api/alarms/").json()["results"]
    assert (row["tag"], row["state"]) == ("system.mail", "rtn_unack")


def test_the_operator_acknowledges_it_and_recovery_then_ends_it(small_profile, server, operator):
    outage(server, 2)
    alarm = mail_alarm()
    assert operator.post(f"/api/alarms/{alarm.pk}/acknowledge/").status_code == 200
    assert mail_alarm().state == "ack"
    server.start()
    deliver(NOW + timedelta(hours=3))
    assert mail_alarm().state == "normal"


def test_a_second_outage_is_a_second_activation_of_the_same_alarm(small_profile, server):
    outage(server, 2)
    server.start()
    deliver(NOW + timedelta(hours=3))
    server.stop()
    enqueue("later", "later", "body", ["ops@example.com"], now=NOW + timedelta(hours=4))
    deliver(NOW + timedelta(hours=4))
    assert AlarmDefinition.objects.filter(kind="system").count() == 1
    alarm = mail_alarm()
    assert (alarm.state, alarm.state_since) == ("unack", NOW + timedelta(hours=4))
    assert AlarmTransition.objects.filter(alarm=alarm, event="activate").count() == 2
    # Stored one at a time, each activation is counted for the KPIs as it is stored.
    (day,) = AlarmDayCount.objects.filter(alarm=alarm)
    assert (day.activations, day.chattering) == (2, 0)


def test_an_edited_definition_keeps_its_priority_and_area(small_profile, server):
    AlarmDefinition.objects.create(
        profile=small_profile,
        tag="system.mail",
        kind="system",
        priority="low",
        area="IT",
        message="No mail: {error}",
    )
    outage(server, 1, minutes=1)
    alarm = mail_alarm()
    assert (alarm.definition.priority, alarm.state) == ("low", "unack")
    assert alarm.message.startswith("No mail: ")
    assert AlarmTransition.objects.get(alarm=alarm).area == "IT"


def test_no_alarm_without_an_outage(small_profile, server):
    for n in range(3):
        enqueue(f"test:{n}", f"mail {n}", "body", ["ops@example.com"], now=NOW)
    assert deliver(NOW) == 3
    assert len(server.inbox.mails) == 3
    assert not AlarmDefinition.objects.filter(kind="system").exists()
    assert not Alarm.objects.exists()


def test_an_outage_without_an_active_profile_still_keeps_the_mail(db, server):
    outage(server, 2, minutes=1)
    assert MailOutage.objects.count() == 1
    assert not Alarm.objects.exists()
    server.start()
    assert deliver(NOW + timedelta(hours=3)) == 2


def test_a_profile_file_may_set_the_mail_alarm(db, server):
    entry = {
        "tag": "system.mail",
        "kind": "system",
        "priority": "urgent",
        "area": "IT",
        "message": "Mail down: {error}",
    }
    profile = load_profile({**SMALL_PROFILE, "alarms": [entry]}, activate=True)
    (exported,) = export_profile(profile)["alarms"]
    assert (exported["kind"], exported["priority"]) == ("system", "urgent")
    assert "point" not in exported
    outage(server, 1, minutes=1)
    assert mail_alarm().message.startswith("Mail down: ")
    assert mail_alarm().definition.priority == "urgent"


def test_recovery_without_a_raised_alarm_makes_no_definition(db, server):
    outage(server, 1, minutes=1)  # no active profile then
    load_profile(SMALL_PROFILE, activate=True)
    server.start()
    assert deliver(NOW + timedelta(hours=3)) == 1
    assert not AlarmDefinition.objects.filter(kind="system").exists()
