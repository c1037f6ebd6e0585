"""The audit trail: every step a row, hash-chained, read-only everywhere, and
``manage.py check_audit`` naming the first bad row."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from commands import dispatch, service
from commands.models import AuditRecord

pytestmark = pytest.mark.django_db


def _a_few_rows(breaker, actor):
    operator = actor("operator")
    service.select(breaker, operator)
    request = service.operate(breaker, operator, None)
    dispatch.claim(request.pk)
    dispatch.failed(request.pk, "connection lost")
    with pytest.raises(service.Refused):
        service.cancel(breaker, operator)
    return request


def test_every_step_is_a_row_with_who_and_where(breaker, actor):
    request = _a_few_rows(breaker, actor)
    rows = list(AuditRecord.objects.order_by("id"))
    assert [r.action for r in rows] == ["select", "operate", "sent", "result", "refusal"]
    assert {r.username for r in rows} == {"operator-user"}
    assert {r.role for r in rows} == {"operator"}
    assert {r.client_address for r in rows} == {"127.0.0.1"}
    assert rows[3].request_id == request.pk and rows[3].result == "connection lost"
    assert rows[0].value_before == 1
    call_command("check_audit")


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # past the trigger
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_check_audit_reports_the_first_changed_row(breaker, actor):
    _a_few_rows(breaker, actor)
    second = AuditRecord.objects.order_by("id")[1]
    _tamper("UPDATE commands_auditrecord SET value = 1 WHERE id = %s", [second.pk])
    with pytest.raises(CommandError, match=f"row {second.pk}: its content"):
        call_command("check_audit")


def test_check_audit_reports_a_removed_row(breaker, actor):
    _a_few_rows(breaker, actor)
    rows = list(AuditRecord.objects.order_by("id"))
    _tamper("DELETE FROM commands_auditrecord WHERE id = %s", [rows[2].pk])
    with pytest.raises(CommandError, match=f"row {rows[3].pk}: its previous hash"):
        call_command("check_audit")


def test_the_database_refuses_changes_on_postgresql(breaker, actor):
    if connection.vendor != "postgresql":
        pytest.skip("the read-only trigger is PostgreSQL's")
    _a_few_rows(breaker, actor)
    for statement in (
        "UPDATE commands_auditrecord SET result = 'x'",
        "DELETE FROM commands_auditrecord",
    ):
        with (
            pytest.raises(DatabaseError, match="read-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    call_command("check_audit")


def test_admin_is_read_only_even_for_a_superuser(breaker, actor, admin_client):
    _a_few_rows(breaker, actor)
    row = AuditRecord.objects.first()
    assert admin_client.get("/admin/commands/auditrecord/").status_code == 200
    assert admin_client.get("/admin/commands/auditrecord/add/").status_code == 403
    page = admin_client.get(f"/admin/commands/auditrecord/{row.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/commands/auditrecord/{row.pk}/delete/").status_code == 403
    assert AuditRecord.objects.count() == 5


def test_config_edit_in_the_admin_is_audited(breaker, admin_client):
    page = f"/admin/commands/commanddefinition/{breaker.pk}/change/"
    form = {
        "point": breaker.point_id, "label": "Open", "kind": breaker.kind,
        "target": '{"port": 0, "bit": 0}', "value": "0", "feedback_value": "0",
        "feedback_within": "3", "remote_value": "1", "select_before_operate": "on",
        "selection_timeout": "30", "time_to_live": "10", "role": "operator",
    }  # fmt: skip
    response = admin_client.post(page, form)
    assert response.status_code == 302, response.content[:2000]
    row = AuditRecord.objects.get(action="config")
    assert row.username == "admin" and row.command_id == breaker.pk
    assert row.detail["before"]["feedback_within"] == 2.0
    assert row.detail["after"]["feedback_within"] == 3.0
