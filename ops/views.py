"""``/operations``, for administrators (superusers) only: supervisor's processes with their
last log lines, stop / start / restart behind a confirmation page, every action audited
(ops.models.OperationsAction), and the poller's health.

No script: the confirmation is a page of its own whose form POSTs the action (CSRF), so
that nothing happens on a GET and the page works under the console's strict CSP.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from console.page_data import common_data
from console.views import active_profile
from ops.models import OperationsAction
from ops.poller_health import poller_health
from ops.supervisor import Process, Supervisor, SupervisorError

ACTIONS = ("restart", "stop", "start")
AUDIT_ROWS = 20


def admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users go to the login page; anyone but a superuser gets 403."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied("The operations page is for administrators.")
        return view(request, *args, **kwargs)

    return login_required(checked)


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    profile = active_profile()
    base = {"page_data": common_data(request, profile), "page": "operations", "profile": profile}
    return render(request, template, {**base, **context})


def serves_this_request(process: Process) -> bool:
    """The program this web process belongs to (gunicorn's master is our parent)."""
    return process.pid in (os.getpid(), os.getppid())


@admin_only
@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    supervisor = Supervisor()
    programs: list[dict[str, Any]] = []
    problem = None
    try:
        for process in supervisor.processes():
            programs.append(
                {
                    "process": process,
                    "log": supervisor.log_tail(process.name),
                    "this_web_server": serves_this_request(process),
                }
            )
    except SupervisorError as error:
        problem = str(error)
    return _page(
        request,
        "ops/operations.html",
        {
            "programs": programs,
            "supervisor_problem": problem,
            "health": poller_health(active_profile()),
            "audit": OperationsAction.objects.all()[:AUDIT_ROWS],
            "done": request.GET.get("done", ""),
        },
    )


@admin_only
@require_http_methods(["GET", "POST"])
def program_action(request: HttpRequest, program: str, action: str) -> HttpResponse:
    """GET: the confirmation page. POST: the action, audited before and after."""
    if action not in ACTIONS:
        raise Http404(f"No action {action!r}.")
    supervisor = Supervisor()
    try:
        process = next((p for p in supervisor.processes() if p.name == program), None)
    except SupervisorError as error:
        return _page(request, "ops/confirm.html", {"problem": str(error), "action": action})
    if process is None:
        raise Http404(f"supervisor has no program {program!r}.")
    this_web_server = serves_this_request(process)
    if request.method == "GET":
        return _page(
            request,
            "ops/confirm.html",
            {"process": process, "action": action, "this_web_server": this_web_server},
        )
    user = cast("User", request.user)  # admin_only let only a superuser in
    record = OperationsAction.objects.create(
        user=user,
        username=request.user.get_username(),
        address=request.META.get("REMOTE_ADDR") or None,
        action=action,
        program=program,
    )
    try:
        if action == "restart" and this_web_server:
            supervisor.reload(program)  # a stop would end this request before the start
            record.detail = "reloaded (SIGHUP): new workers, the old ones finish their requests"
        elif action == "restart":
            supervisor.restart(program)
        elif action == "stop":
            supervisor.stop(program, wait=not this_web_server)
        else:
            supervisor.start(program)
        record.outcome = "done"
    except SupervisorError as error:
        record.outcome, record.detail = "failed", str(error)
    record.save(update_fields=["outcome", "detail"])
    return redirect(f"/operations?done={record.pk}")
