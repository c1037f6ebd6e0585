"""The safety rules of a command, each on its own: role, selection, expiry, one holder per
point, time-to-live, at most once across a poller restart, lost connection, feedback,
interlocks, LOCAL/REMOTE and setpoint limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commands import dispatch, service
from commands.models import AuditRecord, CommandRequest, State
from commands.service import Refused
from poll.models import Point

pytestmark = pytest.mark.django_db


def test_select_operate_reaches_the_poller_once(breaker, actor):
    operator = actor("operator")
    selected = service.select(breaker, operator)
    assert selected.state == State.SELECTED
    queued = service.operate(breaker, operator, None)
    assert queued.pk == selected.pk and queued.state == State.QUEUED and queued.value == 0
    assert dispatch.pending() == [queued.pk]
    claimed = dispatch.claim(queued.pk)
    assert claimed is not None and claimed.target == {"port": 0, "bit": 0}
    assert dispatch.claim(queued.pk) is None  # never twice
    assert dispatch.pending() == []


def test_operate_without_selection_is_refused_and_audited(breaker, actor):
    with pytest.raises(Refused, match="no valid selection"):
        service.operate(breaker, actor("operator"), None)
    assert AuditRecord.objects.get().action == "refusal"
    assert not CommandRequest.objects.filter(state=State.QUEUED).exists()


def test_expired_selection_never_operates(breaker, actor):
    operator = actor("operator")
    start = timezone.now()
    service.select(breaker, operator, now=start)
    with pytest.raises(Refused):
        service.operate(breaker, operator, None, now=start + timedelta(seconds=30))
    assert CommandRequest.objects.get().state == State.EXPIRED
    assert dispatch.pending() == []


def test_selection_within_its_time_operates(breaker, actor):
    operator = actor("operator")
    start = timezone.now()
    service.select(breaker, operator, now=start)
    service.operate(breaker, operator, None, now=start + timedelta(seconds=29))
    assert CommandRequest.objects.get().state == State.QUEUED


def test_one_selection_per_point_names_the_holder(breaker, actor, django_user_model):
    from django.contrib.auth.models import Group

    first = actor("operator")
    other_user = django_user_model.objects.create_user(username="second", password="x")
    other_user.groups.add(Group.objects.get(name="operator"))
    second = service.Actor(other_user, "10.0.0.2")
    service.select(breaker, first)
    with pytest.raises(Refused, match="selected by operator-user"):
        service.select(breaker, second)
    # Nor can the other one operate or cancel the first one's selection.
    with pytest.raises(Refused):
        service.operate(breaker, second, None)
    with pytest.raises(Refused):
        service.cancel(breaker, second)
    assert service.holder(breaker.point_id).user == first.user


def test_cancel_frees_the_point(breaker, actor):
    operator = actor("operator")
    service.select(breaker, operator)
    service.cancel(breaker, operator)
    with pytest.raises(Refused):
        service.operate(breaker, operator, None)
    assert service.holder(breaker.point_id) is None
    service.select(breaker, operator)


def test_command_older_than_its_ttl_is_refused_never_sent(breaker, actor):
    operator = actor("operator")
    start = timezone.now()
    service.select(breaker, operator, now=start)
    request = service.operate(breaker, operator, None, now=start)
    late = start + timedelta(seconds=breaker.time_to_live + 1)
    assert dispatch.claim(request.pk, now=late) is None
    request.refresh_from_db()
    assert request.state == State.REFUSED and "too old" in request.result
    assert dispatch.claim(request.pk) is None


def test_at_most_once_across_a_poller_restart(breaker, actor):
    operator = actor("operator")
    service.select(breaker, operator)
    request = service.operate(breaker, operator, None)
    assert dispatch.claim(request.pk) is not None
    # The poller dies before the echo; the new one fails it and never sends it again.
    assert dispatch.fail_interrupted() == 1
    request.refresh_from_db()
    assert request.state == State.FAILED and "not sent again" in request.result
    assert dispatch.pending() == [] and dispatch.claim(request.pk) is None


def test_lost_connection_fails_the_command(breaker, actor):
    operator = actor("operator")
    service.select(breaker, operator)
    request = service.operate(breaker, operator, None)
    dispatch.claim(request.pk)
    dispatch.failed(request.pk, "connection lost")
    request.refresh_from_db()
    assert request.state == State.FAILED and request.result == "connection lost"
    assert service.holder(breaker.point_id) is None


def test_feedback_success_and_no_feedback(breaker, actor):
    operator = actor("operator")
    service.select(breaker, operator)
    request = service.operate(breaker, operator, None)
    dispatch.claim(request.pk)
    start = timezone.now()
    dispatch.echoed(request.pk, now=start)
    assert dispatch.supervise(now=start) == 0
    Point.objects.filter(pk=breaker.point_id).update(value=0)
    assert dispatch.supervise(now=start) == 1
    request.refresh_from_db()
    assert request.state == State.SUCCESS
    assert "send_to_echo" in AuditRecord.objects.filter(request_id=request.pk).last().durations

    Point.objects.filter(pk=breaker.point_id).update(value=1)
    service.select(breaker, operator)
    second = service.operate(breaker, operator, None)
    dispatch.claim(second.pk)
    dispatch.echoed(second.pk, now=start)
    assert dispatch.supervise(now=start + timedelta(seconds=1)) == 0
    assert dispatch.supervise(now=start + timedelta(seconds=2)) == 1
    second.refresh_from_db()
    assert second.state == State.NO_FEEDBACK and second.result == "no feedback"


def test_interlock_blocks_with_its_message(breaker, actor):
    breaker.interlock = "di.E4DI01.value = 0"
    breaker.interlock_message = "Station on local control"
    breaker.full_clean()
    breaker.save()
    Point.objects.filter(profile=breaker.point.profile, tag="E4DI01").update(value=1)
    with pytest.raises(Refused, match="Station on local control"):
        service.select(breaker, actor("operator"))
    Point.objects.filter(profile=breaker.point.profile, tag="E4DI01").update(value=0)
    assert service.select(breaker, actor("operator")).state == State.SELECTED


def test_unknown_point_in_interlock_blocks(breaker, actor):
    breaker.interlock = "di.NOSUCH.value = 0"
    breaker.save()
    with pytest.raises(Refused):
        service.select(breaker, actor("operator"))


def test_local_remote_sv(breaker, actor):
    sv = Point.objects.get(profile=breaker.point.profile, tag="E4SV04")
    breaker.remote_point = sv
    breaker.remote_value = 1
    breaker.save()
    Point.objects.filter(pk=sv.pk).update(value=0)
    with pytest.raises(Refused, match="LOCAL"):
        service.select(breaker, actor("operator"))
    Point.objects.filter(pk=sv.pk).update(value=1)
    service.select(breaker, actor("operator"))


def test_setpoint_limits_and_direct_operate(setpoint, actor):
    operator = actor("operator")
    with pytest.raises(Refused, match="from 0"):
        service.operate(setpoint, operator, 101)
    with pytest.raises(Refused, match="finite"):
        service.operate(setpoint, operator, None)
    with pytest.raises(Refused, match="needs no selection"):
        service.select(setpoint, operator)
    request = service.operate(setpoint, operator, 42.5)
    assert request.state == State.QUEUED and request.value == 42.5


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        ("viewer", "operator", False),
        ("operator", "operator", True),
        ("engineer", "operator", True),
        ("operator", "engineer", False),
        ("engineer", "engineer", True),
    ],
)
def test_role_matrix(breaker, actor, role, needed, allowed):
    breaker.role = needed
    breaker.save()
    if allowed:
        assert service.select(breaker, actor(role)).state == State.SELECTED
    else:
        with pytest.raises(Refused, match="role") as refusal:
            service.select(breaker, actor(role))
        assert refusal.value.status == 403
