"""Filtering the audit trail, one way for the console's command log page, its CSV and the
``/api/command-log/`` API: by time, user, command, action, result and request."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from commands.models import Action, AuditRecord

#: The filters, by query parameter, and what each means (the page shows these).
FILTERS = {
    "from": "at or after (date or date and time, local time)",
    "to": "before (a date alone: to the end of that day)",
    "user": "user name (exact)",
    "command": "command text contains (tag and label)",
    "action": "one of " + ", ".join(Action.values),
    "result": "result contains",
    "request": "the request's number",
}


class FilterError(ValueError):
    """A filter value that cannot be read; the message names it."""


def _moment(text: str, name: str, end_of_day: bool) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise FilterError(f"{name!r}: give a date (2026-03-01) or a date and time.")
        moment = datetime.combine(day, time.max if end_of_day else time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def filter_records(params: Mapping[str, str]) -> QuerySet[AuditRecord]:
    """The rows that match ``params`` (empty values are ignored), newest first."""
    rows = AuditRecord.objects.order_by("-id")
    value = {name: (params.get(name) or "").strip() for name in FILTERS}
    try:
        if value["from"]:
            rows = rows.filter(at__gte=_moment(value["from"], "from", False))
        if value["to"]:
            rows = rows.filter(at__lte=_moment(value["to"], "to", True))
    except (ValueError, OverflowError) as error:
        raise FilterError(str(error)) from error
    if value["user"]:
        rows = rows.filter(username=value["user"])
    if value["command"]:
        rows = rows.filter(command__icontains=value["command"])
    if value["action"]:
        if value["action"] not in Action.values:
            raise FilterError(f"'action': {FILTERS['action']}.")
        rows = rows.filter(action=value["action"])
    if value["result"]:
        rows = rows.filter(result__icontains=value["result"])
    if value["request"]:
        if not value["request"].isdigit() or len(value["request"]) > 18:
            raise FilterError("'request': a request number.")
        rows = rows.filter(request_id=int(value["request"]))
    return rows
