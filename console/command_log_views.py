"""The command log: the audit trail of commands for operators, with filters and a CSV of
what the filters select. Read-only, like the trail itself; viewers have no access (they
give no commands, and the trail names who did)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from commands.audit_query import FILTERS, FilterError, filter_records
from commands.models import Action
from console.access import console_page
from console.control_data import may_control
from console.page_data import common_data
from console.views import active_profile

PAGE_SIZE = 100
COLUMNS = (
    "id", "at", "username", "role", "client_address", "action", "command", "request_id",
    "value", "value_before", "result", "durations", "hash",
)  # fmt: skip
#: A spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _operators_only(request: HttpRequest) -> None:
    if not may_control(request):
        raise PermissionDenied("The command log is for operators.")


@console_page
def command_log(request: HttpRequest) -> HttpResponse:
    _operators_only(request)
    problem = ""
    try:
        rows = filter_records(request.GET)
    except FilterError as error:
        problem, rows = str(error), filter_records({})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": "command-log",
        "page_data": common_data(request, active_profile()),
        "rows": page,
        "filters": {name: request.GET.get(name, "") for name in FILTERS},
        "hints": FILTERS,
        "actions": Action.values,
        "problem": problem,
        "query": query.urlencode(),
    }
    return render(request, "console/command_log.html", context, status=400 if problem else 200)


@console_page
def command_log_csv(request: HttpRequest) -> HttpResponseBase:
    _operators_only(request)
    try:
        rows = filter_records(request.GET)
    except FilterError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(_lines(rows.iterator()), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="command-log-{stamp}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _lines(rows: Iterator[Any]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([_cell(row, name) for name in COLUMNS])


def _cell(row: Any, name: str) -> str:
    value = getattr(row, name)
    if value is None:
        return ""
    if name == "at":
        return str(value.isoformat())
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
