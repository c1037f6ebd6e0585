"""The poller's heartbeat and what the web tier makes of it: /healthz, /readyz and the
console's /api/acquisition (the banner "acquisition stopped since hh:mm")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from poll.acquisition.heartbeat import Heartbeat
from poll.models import PollerHeartbeat

pytestmark = pytest.mark.django_db


def beat(seconds_ago: float, name: str = "poller-a") -> None:
    stamp = timezone.now() - timedelta(seconds=seconds_ago)
    PollerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": stamp, "started_at": stamp - timedelta(hours=1)}
    )


def test_the_heartbeat_is_one_row_touched_once_per_interval(django_assert_num_queries):
    heartbeat = Heartbeat("poller-a", interval=3600)
    heartbeat.beat()
    first = PollerHeartbeat.objects.get()
    with django_assert_num_queries(0):
        heartbeat.beat()  # not due yet: no query at all
    Heartbeat("poller-a", interval=0).beat()  # a restarted poller takes the same row over
    row = PollerHeartbeat.objects.get()
    assert row.beat_at > first.beat_at and row.started_at > first.started_at


def test_a_due_beat_is_a_single_update(django_assert_num_queries):
    heartbeat = Heartbeat("poller-a", interval=0)
    heartbeat.beat()
    with django_assert_num_queries(1):
        heartbeat.beat()


def test_healthz_answers_anyone_with_one_word():
    response = Client().get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("seconds_ago", "status", "text"),
    [(None, 503, b"acquisition stopped\n"), (1, 200, b"ok\n"), (60, 503, b"acquisition stopped\n")],
)
def test_readyz_says_whether_acquisition_runs(seconds_ago, status, text):
    if seconds_ago is not None:
        beat(seconds_ago)
    response = Client().get("/readyz")
    assert (response.status_code, response.content) == (status, text)


def test_the_newest_poller_counts(settings):
    settings.ACQUISITION_STALE_SECONDS = 5
    beat(600, "old-host")
    beat(1, "new-host")
    assert Client().get("/readyz").status_code == 200


def test_the_acquisition_state_needs_a_login_and_a_role():
    beat(60)
    client = Client()
    assert client.get("/api/acquisition").status_code == 401
    client.force_login(User.objects.create_user("nobody"))
    assert client.get("/api/acquisition").status_code == 403
    viewer = User.objects.create_user("viewer-user")
    viewer.groups.add(Group.objects.get(name="viewer"))
    client.force_login(viewer)
    state = client.get("/api/acquisition").json()
    last = PollerHeartbeat.objects.get().beat_at
    assert state == {"running": False, "lastBeat": last.isoformat(), "staleAfter": 10.0}
    beat(0)
    assert client.get("/api/acquisition").json()["running"] is True
