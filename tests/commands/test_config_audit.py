"""Configuration edits in the admin are in the audit trail: points, formulas (inline in the
element's admin too), alarm definitions and commands, with who, before and after."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from commands.audit import first_bad_row
from commands.config_audit import ConfigAuditMixin
from commands.models import AuditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_request(admin_user):
    request = RequestFactory().post("/admin/", REMOTE_ADDR="10.0.0.7")
    request.user = admin_user
    return request


@pytest.mark.parametrize(
    "label", ["poll.SV", "poll.DI", "poll.AI", "hmi.Formula", "hmi.GraphicElement",
              "alarms.AlarmDefinition", "commands.CommandDefinition"],
)  # fmt: skip
def test_the_admins_of_the_configuration_are_audited(label):
    from django.apps import apps

    assert isinstance(admin.site._registry[apps.get_model(label)], ConfigAuditMixin)


def test_a_point_edit_records_who_before_and_after(station, admin_request):
    from poll.models import DI

    point = DI.objects.get(tag="E4DI00")
    point.description = "Bus coupler"
    admin.site._registry[DI].save_model(admin_request, point, None, True)
    row = AuditRecord.objects.get(action="config")
    assert (row.username, row.client_address, row.result) == ("admin", "10.0.0.7", "edited")
    assert row.detail["model"] == "poll.di" and row.detail["id"] == point.pk
    assert row.detail["changed"] == ["description"]
    assert row.detail["after"]["description"] == "Bus coupler"
    assert row.detail["before"]["description"] != "Bus coupler"
    assert row.command.endswith("E4DI00") or "E4DI00" in row.command


def test_an_unchanged_save_adds_no_row_and_a_delete_keeps_the_object(station, admin_request):
    from poll.models import AI

    point = AI.objects.get(tag="E41BAR00")
    registered = admin.site._registry[AI]
    registered.save_model(admin_request, point, None, True)
    assert not AuditRecord.objects.exists()
    pk = point.pk
    registered.delete_model(admin_request, point)
    row = AuditRecord.objects.get(action="config")
    assert row.result == "deleted" and row.detail["id"] == pk and row.detail["after"] is None
    assert row.detail["before"]["unit"] == "kV"
    assert first_bad_row(AuditRecord.objects.order_by("id")) is None


def test_an_alarm_definition_added_in_the_admin_is_audited(station, admin_request):
    from alarms.models import AlarmDefinition
    from poll.models import AI

    point = AI.objects.get(tag="E41BAR00")
    alarm = AlarmDefinition(profile=station, tag="E41BAR00_L", point=point, kind="l", setpoint=12.6)
    admin.site._registry[AlarmDefinition].save_model(admin_request, alarm, None, False)
    row = AuditRecord.objects.get(action="config")
    assert row.result == "added" and row.detail["before"] is None
    assert row.detail["after"]["setpoint"] == 12.6


def test_a_config_row_cannot_be_changed_in_the_admin(station, admin_request, admin_client):
    from poll.models import DI

    point = DI.objects.get(tag="E4DI00")
    point.text_on = "CLOSED"
    admin.site._registry[DI].save_model(admin_request, point, None, True)
    row = AuditRecord.objects.get(action="config")
    assert admin_client.post(f"/admin/commands/auditrecord/{row.pk}/delete/").status_code == 403
