"""``manage.py check_audit``: verify the audit trail's hash chain and name the first bad row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from commands.audit import first_bad_row
from commands.models import AuditRecord


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; report the first row that does not match."

    def handle(self, *args: Any, **options: Any) -> None:
        records = AuditRecord.objects.order_by("id").iterator(chunk_size=2000)
        bad = first_bad_row(records)
        if bad is not None:
            row, why = bad
            raise CommandError(f"Audit trail broken at row {row}: {why}.")
        count = AuditRecord.objects.count()
        self.stdout.write(f"Audit trail intact: {count} rows.")
