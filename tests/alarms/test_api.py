"""The alarms API: the contract's JSON, the role checks, the actions' rules, the journal and
its CSV, and the acknowledge that races a new activation."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from alarms.models import Alarm, AlarmTransition
from poll.acquisition.batch import PointChange, to_micros
from tests.alarms.support import raise_alarm


def test_the_list_follows_the_contract(processor, ai_alarm, client_as):
    alarm = raise_alarm(processor, ai_alarm)
    body = client_as("viewer").get("/api/alarms/").json()
    (row,) = body["results"]
    assert row["id"] == alarm.pk
    assert (row["tag"], row["priority"], row["state"]) == (ai_alarm.tag, "high", "unack")
    assert row["message"] == f"{ai_alarm.tag}: 150 A above 100"
    assert row["state_since"]


def test_viewer_cannot_acknowledge_operator_can(processor, ai_alarm, client_as):
    alarm = raise_alarm(processor, ai_alarm)
    url = f"/api/alarms/{alarm.pk}/acknowledge/"
    refused = client_as("viewer").post(url)
    assert refused.status_code == 403
    assert "operator" in refused.json()["detail"]
    operator = client_as("operator")
    done = operator.post(url)
    assert done.status_code == 200
    assert done.json()["state"] == "ack"
    again = operator.post(url)
    assert again.status_code == 409


def test_operator_shelves_within_the_maximum(processor, ai_alarm, client_as):
    alarm = raise_alarm(processor, ai_alarm)
    operator = client_as("operator")
    url = f"/api/alarms/{alarm.pk}/shelve/"
    too_long = operator.post(url, {"minutes": 481, "reason": "maintenance"}, format="json")
    assert too_long.status_code == 400
    assert operator.post(url, {"minutes": 30}, format="json").status_code == 400  # no reason
    shelved = operator.post(url, {"minutes": 30, "reason": "maintenance"}, format="json")
    assert shelved.status_code == 200
    assert shelved.json()["state"] == "shelved"
    assert shelved.json()["reason"] == "maintenance"


def test_an_expired_shelf_returns_an_active_alarm_unacknowledged(processor, ai_alarm, client_as):
    alarm = raise_alarm(processor, ai_alarm)
    operator = client_as("operator")
    operator.post(f"/api/alarms/{alarm.pk}/acknowledge/")
    operator.post(f"/api/alarms/{alarm.pk}/shelve/", {"minutes": 5, "reason": "r"}, format="json")
    Alarm.objects.filter(pk=alarm.pk).update(shelved_until=timezone.now() - timedelta(seconds=1))
    (row,) = operator.get("/api/alarms/").json()["results"]
    assert row["state"] == "unack"


def test_only_an_engineer_puts_an_alarm_out_of_service(processor, ai_alarm, client_as):
    alarm = raise_alarm(processor, ai_alarm)
    url = f"/api/alarms/{alarm.pk}/out-of-service/"
    refused = client_as("operator").post(url, {"reason": "sensor"}, format="json")
    assert refused.status_code == 403
    engineer = client_as("engineer")
    done = engineer.post(url, {"reason": "sensor broken"}, format="json")
    assert done.json()["state"] == "out_of_service"
    back = engineer.post(f"/api/alarms/{alarm.pk}/return-to-service/")
    assert back.json()["state"] == "unack"  # still active: annunciated again


def test_the_journal_filters_and_exports_csv(processor, ai_alarm, client_as):
    alarm = raise_alarm(processor, ai_alarm)
    operator = client_as("operator")
    operator.post(f"/api/alarms/{alarm.pk}/acknowledge/")
    rows = operator.get("/api/alarm-journal/", {"point": ai_alarm.point_id}).json()["results"]
    assert [r["event"] for r in rows] == ["acknowledge", "activate"]
    assert rows[0]["user"] == "operator-user"
    assert operator.get("/api/alarm-journal/", {"priority": "low"}).json()["results"] == []
    csv = operator.get("/api/alarm-journal/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("id,alarm,tag,point,time,event")
    assert len(lines) == 3
    # The export ignores paging, but a page size that is not a number is still refused.
    refused = operator.get("/api/alarm-journal/", {"format": "csv", "page_size": "ÁÆ"})
    assert refused.status_code == 400
    assert b"page_size" in refused.content


def test_actions_need_csrf_in_a_session(processor, ai_alarm, role_user):
    alarm = raise_alarm(processor, ai_alarm)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(role_user("operator"))
    assert client.post(f"/api/alarms/{alarm.pk}/acknowledge/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_an_acknowledge_racing_a_new_activation_loses_neither(processor, ai_alarm, role_user):
    """The poller holds the alarm's row (a new activation, not committed yet) while an
    operator acknowledges: the acknowledge waits for the row and applies to the activation."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite serialises whole transactions instead")
    raise_alarm(processor, ai_alarm, 150.0, 1)
    raise_alarm(processor, ai_alarm, 50.0, 2)  # returned to normal, unacknowledged
    alarm = Alarm.objects.get(definition=ai_alarm)
    assert alarm.state == "rtn_unack"
    client = APIClient()
    client.force_login(role_user("operator"))
    answers: list[int] = []

    def acknowledge() -> None:
        try:
            answers.append(client.post(f"/api/alarms/{alarm.pk}/acknowledge/").status_code)
        finally:
            connection.close()

    operator = threading.Thread(target=acknowledge)
    change = PointChange(ai_alarm.point_id, 160.0, 0, True, to_micros(timezone.now()))
    with transaction.atomic():
        processor.process({ai_alarm.point_id: change}, 3)  # locks the row
        operator.start()
        with connection.cursor() as cursor:  # wait until the acknowledge waits for the lock
            for _ in range(10_000):
                # pg_stat_activity is read once per transaction unless its snapshot is
                # cleared: without this, a first read before the operator waits is final.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    break
                operator.join(0.01)
    operator.join()
    assert answers == [200]
    events = list(AlarmTransition.objects.order_by("id").values_list("event", "to_state"))
    assert events[-2:] == [("activate", "unack"), ("acknowledge", "ack")]
    assert Alarm.objects.get(pk=alarm.pk).state == "ack"


@pytest.mark.django_db(transaction=True)  # the poller trusts its copy once a batch commits
def test_an_acknowledge_after_the_poller_read_the_alarm_is_kept(processor, ai_alarm, client_as):
    """The poller steps its copy of the alarm, read before the operator acknowledged: the
    revision check sends it back to the database, so the clearing applies to ``ack``. (The
    poller's revisions come from the web's sequence too: here they are kept apart by hand.)"""
    alarm = raise_alarm(processor, ai_alarm, 150.0, 1001)
    assert client_as("operator").post(f"/api/alarms/{alarm.pk}/acknowledge/").status_code == 200
    raise_alarm(processor, ai_alarm, 50.0, 1002)
    events = list(AlarmTransition.objects.order_by("id").values_list("event", "to_state"))
    assert events == [("activate", "unack"), ("acknowledge", "ack"), ("clear", "normal")]
    assert Alarm.objects.get(pk=alarm.pk).state == "normal"
    raise_alarm(processor, ai_alarm, 150.0, 1003)  # the copy is up to date again
    assert Alarm.objects.get(pk=alarm.pk).state == "unack"


@pytest.mark.django_db(transaction=True)
def test_a_shelve_holding_the_row_makes_the_poller_wait_and_step_again(processor, ai_alarm):
    """An operator's shelve holds the row while the poller stores a clearing: the poller's
    update waits, then finds the revision moved, reads the shelved alarm and clears it
    there (it stays shelved, inactive), losing neither."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite serialises whole transactions instead")
    from alarms.states import Event
    from alarms.transitions import apply, new_revision, save

    alarm = raise_alarm(processor, ai_alarm, 150.0, 1001)
    held, release = threading.Event(), threading.Event()

    def shelve() -> None:
        try:
            with transaction.atomic():
                row = Alarm.objects.select_for_update().get(pk=alarm.pk)
                now = timezone.now()
                transition = apply(row, Event.SHELVE, time=now, revision=new_revision(), reason="r")
                assert transition is not None
                row.shelved_until = now + timedelta(minutes=5)
                save(row, transition)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    def poll() -> None:
        try:
            raise_alarm(processor, ai_alarm, 50.0, 1002)
        finally:
            connection.close()

    operator, poller = threading.Thread(target=shelve), threading.Thread(target=poll)
    operator.start()
    assert held.wait(30)
    poller.start()
    with connection.cursor() as cursor:  # wait until the poller waits for the row
        for _ in range(10_000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            poller.join(0.01)
    release.set()
    operator.join()
    poller.join()
    events = list(AlarmTransition.objects.order_by("id").values_list("event", "to_state"))
    assert events == [("activate", "unack"), ("shelve", "shelved"), ("clear", "shelved")]
    stored = Alarm.objects.get(pk=alarm.pk)
    assert (stored.state, stored.active, stored.reason) == ("shelved", False, "r")
