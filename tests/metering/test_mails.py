"""Metering's mails through the outbox and a real SMTP server (aiosmtpd) started here: the
monthly report once across restarts, silent meters and gateways and their return, the daily
completeness summary, and an SMTP outage that delays mail, loses none and raises one alarm."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.contrib.auth.models import Group, User

from history.jobs import registered_jobs, run_due_jobs
from metering import mails
from metering.models import MeterAssignment, Reading
from outbox.models import MailOutage, OutboxMail
from outbox.sending import deliver, enqueue
from tests.metering.conftest import write


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.mails: list = []
        self.port = 0

    def handle_message(self, message) -> None:
        self.mails.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


@pytest.fixture
def provider(db) -> User:
    user = User.objects.create_user("prov", email="prov@example.com", password="x")
    user.groups.add(Group.objects.get(name="provider"))
    return user


DEC_1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_the_monthly_report_goes_once_even_after_a_restart(smtp, provider, meter, flat):
    Reading.objects.create(
        meter=meter,
        flat=flat,
        time=datetime(2026, 11, 10, tzinfo=UTC),
        status="m",
        import_wh=5,
        consumption_wh=4321,
    )
    assert "not final" in mails.queue_monthly_reports(datetime(2026, 12, 1, 0, 10, tzinfo=UTC))
    assert mails.queue_monthly_reports(DEC_1) == "1 monthly reports queued"
    assert mails.queue_monthly_reports(DEC_1 + timedelta(hours=1)) == "0 monthly reports queued"
    deliver(DEC_1)
    (mail,) = smtp.mails
    assert mail["To"] == "prov@example.com"
    assert "2026-11" in mail["Subject"]
    assert "4.321 kWh" in mail.get_payload()[0].get_payload()
    # a restart: the jobs process runs everything due again; the key holds
    mails.queue_monthly_reports(DEC_1 + timedelta(hours=5))
    deliver(DEC_1 + timedelta(hours=5))
    assert len(smtp.mails) == 1


def test_a_silent_meter_is_mailed_once_and_again_when_back(
    smtp, provider, meter, make_meter, flat, building
):
    from metering.models import Flat

    neighbour = make_meter("F02", unit=2)
    MeterAssignment.objects.create(
        flat=Flat.objects.create(building=building, name="Flat 2"),
        meter=neighbour,
        start=meter.assignments.get().start,
    )
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    write(meter, [(now - timedelta(minutes=40), 1.0)])
    write(neighbour, [(now - timedelta(minutes=2), 1.0)])
    assert mails.check_meters(now) == "1 meters silent, 0 back"
    assert mails.check_meters(now + timedelta(minutes=1)) == "no change"
    write(meter, [(now + timedelta(minutes=2), 1.1)])
    assert mails.check_meters(now + timedelta(minutes=3)) == "0 meters silent, 1 back"
    deliver(now + timedelta(minutes=3))
    subjects = [m["Subject"] for m in smtp.mails]
    assert subjects == ["SMVE: F01 silent for 30 minutes", "SMVE: F01 answering again"]


def test_a_dead_gateway_is_one_mail_not_one_per_meter(smtp, provider, meter, make_meter, building):
    from metering.models import Flat

    for n in (2, 3):
        other = make_meter(f"F0{n}", unit=n)
        MeterAssignment.objects.create(
            flat=Flat.objects.create(building=building, name=f"Flat {n}"),
            meter=other,
            start=meter.assignments.get().start,
        )
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    assert mails.check_meters(now) == "3 meters silent, 0 back"
    deliver(now)
    (mail,) = smtp.mails
    assert mail["Subject"] == "SMVE: gateway 127.0.0.1:5021 (3 meters) silent for 30 minutes"


def test_the_completeness_summary_names_flats_with_missing_intervals(smtp, provider, meter, flat):
    day = datetime(2026, 11, 2, tzinfo=UTC)
    Reading.objects.bulk_create(
        Reading(
            meter=meter, flat=flat, time=day + n * timedelta(minutes=15), status="m", import_wh=n
        )
        for n in range(1, 95)
    )
    now = day + timedelta(days=1, hours=1)
    assert mails.queue_completeness(now) == "2026-11-02: 1 flats incomplete"
    mails.queue_completeness(now + timedelta(hours=1))
    deliver(now)
    (mail,) = smtp.mails
    assert "House / Flat 1: 2 missing" in mail.get_payload()


def test_an_smtp_outage_delays_mail_loses_none_and_raises_one_alarm(db, settings, smtp):
    dead = free_port()
    settings.EMAIL_PORT = dead
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    for n in range(5):
        enqueue(f"test:{n}", f"mail {n}", "body", ["ops@example.com"], now=now)
    for minute in range(0, 30):
        deliver(now + timedelta(minutes=minute))
    assert MailOutage.objects.count() == 1
    outage = MailOutage.objects.get()
    assert outage.ended_at is None and outage.failed_tries >= 2
    first = OutboxMail.objects.get(key="test:0")
    assert first.attempts >= 2 and first.sent_at is None  # retried with a growing wait
    assert first.attempts < 30
    settings.EMAIL_PORT = smtp.port  # the server is back
    later = now + timedelta(hours=3)
    assert deliver(later) == 5
    assert sorted(m["Subject"] for m in smtp.mails) == [f"mail {n}" for n in range(5)]
    assert MailOutage.objects.get().ended_at == later


def test_the_jobs_are_registered():
    names = {job.name for job in registered_jobs()}
    assert {
        "metering-readings",
        "metering-monthly-report",
        "metering-meters",
        "metering-completeness",
        "outbox-delivery",
    } <= names
    assert callable(run_due_jobs)
