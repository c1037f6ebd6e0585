"""The poller's side of a command, as database steps that a field source calls around its
``Keeper.submit``: take the command (refusing one older than its time-to-live), record the
echo or the failure, and supervise the feedback.

At most once: :func:`claim` moves the request from ``queued`` to ``sending`` in its own
committed transaction *before* the frame is built, and only the caller that made that move
sends. A poller that restarts finds requests still ``sending`` and fails them as "outcome
unknown" (:func:`fail_interrupted`); it never sends them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from commands import audit
from commands.models import Action, CommandRequest, State
from poll.models import Point


@dataclass(frozen=True)
class Claimed:
    """What a field source needs to send one command."""

    request_id: int
    kind: str
    target: dict[str, Any]
    value: float
    point_id: int


def pending(profile_id: int | None = None) -> list[int]:
    """Ids of the requests waiting for the poller, oldest first."""
    queued = CommandRequest.objects.filter(state=State.QUEUED)
    if profile_id is not None:
        queued = queued.filter(point__profile_id=profile_id)
    return list(queued.order_by("operated_at", "id").values_list("id", flat=True))


def claim(request_id: int, now: datetime | None = None) -> Claimed | None:
    """Take one queued request for sending, or None if another took it, it was no longer
    queued, or it is older than its time-to-live (then it is refused, and audited)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            CommandRequest.objects.select_for_update(of=("self",))
            .filter(pk=request_id, state=State.QUEUED)
            .select_related("definition")
            .first()
        )
        if request is None:
            return None
        definition = request.definition
        age = now - request.operated_at if request.operated_at else timedelta(0)
        refusal = ""
        if definition is None or request.point_id is None:
            refusal = "the command or its point was deleted before it was sent"
        elif age > timedelta(seconds=definition.time_to_live):
            refusal = f"too old to send ({age.total_seconds():.1f} s > time-to-live)"
        if refusal:
            request.state = State.REFUSED
            request.finished_at = now
            request.result = refusal
            request.save()
            _audit(request, Action.RESULT, request.result, now)
            return None
        request.state = State.SENDING
        request.sent_at = now
        request.save()
        _audit(request, Action.SENT, "sent", now)
    assert request.value is not None and definition is not None
    assert request.point_id is not None
    return Claimed(
        request.pk, definition.kind, dict(definition.target), request.value, request.point_id
    )


def echoed(request_id: int, now: datetime | None = None) -> None:
    """The field confirmed the command; feedback supervision starts."""
    now = now or timezone.now()
    _move(request_id, State.SENDING, State.ECHOED, "echoed", now, Action.ECHO, echoed_at=now)


def failed(request_id: int, reason: str, now: datetime | None = None) -> None:
    """The command failed in the field: error echo, exception reply, lost connection."""
    now = now or timezone.now()
    _move(request_id, State.SENDING, State.FAILED, reason, now, Action.RESULT, finished_at=now)


def supervise(now: datetime | None = None) -> int:
    """End echoed requests: success when the feedback point holds the expected value,
    "no feedback" once the time allowed has passed; returns how many ended."""
    now = now or timezone.now()
    ended = 0
    waiting = CommandRequest.objects.filter(state=State.ECHOED).select_related("definition")
    for request in waiting:
        definition = request.definition
        if definition is None:
            ended += _move(
                request.pk,
                State.ECHOED,
                State.NO_FEEDBACK,
                "no feedback: the command was deleted while waiting",
                now,
                Action.RESULT,
                finished_at=now,
            )
            continue
        expected = (
            definition.feedback_value if definition.feedback_value is not None else request.value
        )
        feedback_id = definition.feedback_point_id or definition.point_id
        value = Point.objects.filter(pk=feedback_id).values_list("value", flat=True).first()
        started = request.echoed_at or now
        if value is not None and expected is not None and abs(value - expected) < 1e-9:
            state, result = State.SUCCESS, "success"
        elif now - started >= timedelta(seconds=definition.feedback_within):
            state, result = State.NO_FEEDBACK, "no feedback"
        else:
            continue
        ended += _move(request.pk, State.ECHOED, state, result, now, Action.RESULT, finished_at=now)
    return ended


def fail_interrupted(
    now: datetime | None = None,
    *,
    sent_before: datetime | None = None,
    only: Callable[[str | None, int | None], bool] | None = None,
) -> int:
    """Requests a poller left ``sending`` (it stopped or died) may or may not have reached
    the field: they are failed as such, never sent again. Returns how many.

    A lone poller fails every one at start. A poller that takes links over from another
    fails only those of the links it took (``only(kind, point_id)``) that were sent before
    it took them (``sent_before``): the other pollers' requests, and its own sent since,
    are in flight, not interrupted."""
    now = now or timezone.now()
    left = CommandRequest.objects.filter(state=State.SENDING)
    if sent_before is not None:
        left = left.filter(sent_at__lt=sent_before)
    count = 0
    for request_id, kind, point_id in left.values_list("id", "definition__kind", "point_id"):
        if only is not None and not only(kind, point_id):
            continue
        count += _move(
            request_id,
            State.SENDING,
            State.FAILED,
            "poller restarted while sending: outcome unknown, not sent again",
            now,
            Action.RESULT,
            finished_at=now,
        )
    return count


def _move(
    request_id: int,
    source: str,
    state: str,
    result: str,
    now: datetime,
    action: str,
    **changes: Any,
) -> int:
    with transaction.atomic():
        request = (
            CommandRequest.objects.select_for_update(of=("self",))
            .filter(pk=request_id, state=source)
            .select_related("definition", "user")
            .first()
        )
        if request is None:
            return 0
        request.state = state
        request.result = result if state != State.ECHOED else request.result
        for name, value in changes.items():
            setattr(request, name, value)
        request.save()
        _audit(request, action, result, now)
    return 1


def _durations(request: CommandRequest) -> dict[str, float]:
    steps = [
        ("select_to_operate", request.selected_at, request.operated_at),
        ("operate_to_send", request.operated_at, request.sent_at),
        ("send_to_echo", request.sent_at, request.echoed_at),
        ("echo_to_end", request.echoed_at, request.finished_at),
    ]
    return {
        name: round((end - start).total_seconds(), 6) for name, start, end in steps if start and end
    }


def _audit(request: CommandRequest, action: str, result: str, now: datetime) -> None:
    audit.append_for_request(request, action, result, now, durations=_durations(request))
