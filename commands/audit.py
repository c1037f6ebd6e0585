"""The audit trail's hash chain: every row carries the SHA-256 of its content and of the
row before it, so that a changed, removed or inserted row breaks the chain from there on.

Rows are appended one at a time under a lock (a transaction-scoped advisory lock on
PostgreSQL; SQLite serialises writers by itself), so that two writers never chain to the
same row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from alarms.transitions import new_revision
from commands.models import AuditRecord, CommandRequest
from poll.models import Point

GENESIS = "0" * 64
#: The source of the revisions that the steps of requests take.
REVISION_SOURCE = "commands"
#: Key of the PostgreSQL advisory lock that serialises appends ("SMVEAUDT" as a number).
_LOCK_KEY = 0x534D5645_41554454 & 0x7FFFFFFFFFFFFFFF

#: The fields that the hash covers, in order.
HASHED_FIELDS = (
    "at",
    "username",
    "role",
    "client_address",
    "action",
    "command_id",
    "command",
    "request_id",
    "value",
    "value_before",
    "result",
    "durations",
    "detail",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def row_hash(previous_hash: str, fields: dict[str, Any]) -> str:
    content = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256((previous_hash + text).encode()).hexdigest()


def append(**fields: Any) -> AuditRecord:
    """Add one row to the trail, chained to the last one."""
    fields.setdefault("at", timezone.now())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditRecord.objects.order_by("-id").values_list("hash", flat=True).first()
        previous = last or GENESIS
        record = AuditRecord(previous_hash=previous, **fields)
        record.hash = row_hash(previous, {name: getattr(record, name) for name in HASHED_FIELDS})
        record.save(force_insert=True)
    return record


def first_bad_row(records: Iterable[AuditRecord]) -> tuple[int, str] | None:
    """The id of the first row that breaks the chain and why, or None if it holds."""
    previous = GENESIS
    for record in records:
        if record.previous_hash != previous:
            return record.pk, "its previous hash is not the hash of the row before it"
        fields = {name: getattr(record, name) for name in HASHED_FIELDS}
        if row_hash(previous, fields) != record.hash:
            return record.pk, "its content does not match its hash"
        previous = record.hash
    return None


def append_for_request(
    request: CommandRequest, action: str, result: str, at: datetime, **extra: Any
) -> AuditRecord:
    """The audit row of one step of ``request``: who, the command (as the request keeps it,
    so a deleted command or point still has its name), the value sent and the point's
    value at that moment. The step takes a revision, so that the site stream tells the
    pages at once (the control panel shows the step as it happens)."""
    with transaction.atomic():
        new_revision(REVISION_SOURCE)
        return append(
            at=at,
            username=request.user.get_username(),
            role=request.role,
            client_address=request.client_address,
            action=action,
            command_id=request.definition_id,
            command=request.command,
            request_id=request.pk,
            value=request.value,
            value_before=_point_value(request.point_id),
            result=result,
            **extra,
        )


def _point_value(point_id: int | None) -> float | None:
    """The point's value now; None when it has none, or was deleted."""
    if point_id is None:
        return None
    return Point.objects.filter(pk=point_id).values_list("value", flat=True).first()
