"""A profile reload that drops a commanded point: the reload goes through, the requests
keep the point's tag and the command's name, and the audit trail stays whole."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from commands import service
from commands.audit import first_bad_row
from commands.models import AuditRecord, CommandDefinition, CommandRequest, State
from poll.profiles import load_profile

from .conftest import STATION

pytestmark = pytest.mark.django_db


def _without_bus_coupler() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(STATION)
    ied = data["comasters"][0]["ieds"][0]
    ied["di"] = [di for di in ied["di"] if di["tag"] != "E4DI00"]
    return data


def test_reload_dropping_a_commanded_point_keeps_the_trail(breaker, actor):
    operator = actor("operator")
    service.select(breaker, operator)
    done = service.operate(breaker, operator, None)

    load_profile(_without_bus_coupler(), activate=True)

    assert not CommandDefinition.objects.filter(pk=breaker.pk).exists()
    kept = CommandRequest.objects.get(pk=done.pk)
    assert kept.point_id is None and kept.definition_id is None
    assert (kept.tag, kept.command) == ("E4DI00", "E4DI00: Open")
    assert set(AuditRecord.objects.values_list("command", flat=True)) == {"E4DI00: Open"}
    assert first_bad_row(AuditRecord.objects.order_by("id")) is None


def test_a_queued_request_whose_command_was_deleted_is_refused_not_sent(breaker, actor):
    from commands import dispatch

    operator = actor("operator")
    service.select(breaker, operator)
    queued = service.operate(breaker, operator, None)
    load_profile(_without_bus_coupler(), activate=True)

    assert dispatch.claim(queued.pk) is None
    queued.refresh_from_db()
    assert queued.state == State.REFUSED
    assert "deleted" in queued.result
    last = AuditRecord.objects.order_by("-id").first()
    assert last is not None and last.request_id == queued.pk and "deleted" in last.result
