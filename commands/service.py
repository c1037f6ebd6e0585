"""The web side of a command: select, operate and cancel, with every rule checked and every
step (refusals included) written to the audit trail.

The rules: the user's role; the interlock; the setpoint limits; the LOCAL/REMOTE SV; one
holder per point (a database constraint, so two browsers racing cannot both win); a
selection that has expired never operates, and only its own user operates it. An accepted
operate leaves the request ``queued``: the poller takes it from there
(:mod:`commands.dispatch`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from commands import audit
from commands.interlocks import interlock_holds
from commands.models import (
    HOLDING_STATES,
    Action,
    CommandDefinition,
    CommandRequest,
    Role,
    State,
)
from commands.notify import announce_queued
from poll.models import Point

ROLE_RANK = {"viewer": 1, Role.OPERATOR.value: 2, Role.ENGINEER.value: 3}


class Refused(Exception):
    """The command may not go ahead; the message says why (and is in the audit trail)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Actor:
    """Who asks, as the audit trail records it."""

    user: Any
    client_address: str = ""

    @property
    def role(self) -> str:
        if self.user.is_superuser:
            return "superuser"
        names = set(self.user.groups.values_list("name", flat=True))
        ranked = [name for name in ROLE_RANK if name in names]
        return max(ranked, key=ROLE_RANK.__getitem__) if ranked else ""

    def may(self, needed: str) -> bool:
        if not self.user.is_active:
            return False
        if self.user.is_superuser:
            return True
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[needed] and self.user.has_perm(
            "poll.send_command"
        )


def expire_selections(now: datetime | None = None, point_id: int | None = None) -> int:
    """Mark selections past their expiry as expired (and audit each); returns how many."""
    now = now or timezone.now()
    stale = CommandRequest.objects.filter(state=State.SELECTED, expires_at__lte=now)
    if point_id is not None:
        stale = stale.filter(point_id=point_id)
    count = 0
    for request in stale.select_related("user"):
        with transaction.atomic():
            updated = CommandRequest.objects.filter(pk=request.pk, state=State.SELECTED).update(
                state=State.EXPIRED, finished_at=now, result="selection expired"
            )
            if updated:
                count += 1
                _audit(request, Action.RESULT, "selection expired", at=now)
    return count


def holding(requests: QuerySet[CommandRequest] | None = None) -> QuerySet[CommandRequest]:
    """The requests that hold their point now (expired selections do not)."""
    found = CommandRequest.objects.all() if requests is None else requests
    return found.filter(state__in=HOLDING_STATES).exclude(
        state=State.SELECTED, expires_at__lte=timezone.now()
    )


def holder(point_id: int) -> CommandRequest | None:
    """The request that holds the point now, if any (expired selections do not)."""
    return holding().filter(point_id=point_id).select_related("user").first()


def select(
    definition: CommandDefinition, actor: Actor, now: datetime | None = None
) -> CommandRequest:
    now = now or timezone.now()
    _check_allowed(definition, actor, None, now)
    if not definition.select_before_operate:
        _refuse(
            definition, actor, "This command needs no selection: operate it directly.", 400, now
        )
    request = _hold_point(
        definition,
        actor,
        now,
        "The point is selected by {who}.",
        state=State.SELECTED,
        selected_at=now,
        expires_at=now + timedelta(seconds=definition.selection_timeout),
    )
    _audit(request, Action.SELECT, "selected", at=now)
    return request


def operate(
    definition: CommandDefinition, actor: Actor, value: float | None, now: datetime | None = None
) -> CommandRequest:
    now = now or timezone.now()
    value = _value_to_send(definition, actor, value, now)
    _check_allowed(definition, actor, value, now)
    if definition.select_before_operate:
        request = _take_selection(
            definition, actor, now, State.QUEUED, value=value, operated_at=now
        )
    else:
        request = _hold_point(
            definition,
            actor,
            now,
            "The point is held by {who}.",
            state=State.QUEUED,
            value=value,
            operated_at=now,
        )
    _audit(request, Action.OPERATE, "queued", at=now)
    transaction.on_commit(announce_queued)
    return request


def _hold_point(
    definition: CommandDefinition, actor: Actor, now: datetime, refusal: str, **fields: Any
) -> CommandRequest:
    """A new request that holds the definition's point: the database allows one holder per
    point, so a second is refused (``refusal`` names the holder as ``{who}``)."""
    expire_selections(now, definition.point_id)
    request = CommandRequest(
        definition=definition,
        point_id=definition.point_id,
        tag=definition.point.tag,
        command=str(definition),
        user=actor.user,
        role=actor.role,
        client_address=actor.client_address,
        **fields,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        held = holder(definition.point_id)
        who = held.user.get_username() if held else "someone else"
        _refuse(definition, actor, refusal.format(who=who), 409, now)
    return request


def cancel(
    definition: CommandDefinition, actor: Actor, now: datetime | None = None
) -> CommandRequest:
    now = now or timezone.now()
    request = _take_selection(
        definition, actor, now, State.CANCELLED, finished_at=now, result="cancelled"
    )
    _audit(request, Action.CANCEL, "cancelled", at=now)
    return request


def _take_selection(
    definition: CommandDefinition, actor: Actor, now: datetime, state: str, **changes: Any
) -> CommandRequest:
    """Move the user's own valid selection of ``definition`` to ``state``, or refuse."""
    expire_selections(now, definition.point_id)
    with transaction.atomic():
        request = (
            CommandRequest.objects.select_for_update(of=("self",))
            .filter(definition=definition, state=State.SELECTED, user=actor.user)
            .first()
        )
        if request is not None:
            request.state = state
            for name, value in changes.items():
                setattr(request, name, value)
            request.client_address = actor.client_address or request.client_address
            request.save()
    if request is None:
        # The refusal's audit row is written outside the block above, so it is kept.
        _refuse(definition, actor, "You hold no valid selection of this command.", 409, now)
    return request


def blocking_reason(definition: CommandDefinition) -> str:
    """Why the command is not allowed now ("" when it is): interlock or LOCAL/REMOTE."""
    point = definition.point
    if definition.remote_point_id is not None:
        remote = (
            Point.objects.filter(pk=definition.remote_point_id)
            .values_list("value", flat=True)
            .first()
        )
        if remote != definition.remote_value:
            return "The point is in LOCAL: commands from here are not allowed."
    if definition.interlock and not interlock_holds(definition.interlock, point.profile_id):
        return definition.interlock_message or "Interlocked."
    return ""


def _value_to_send(
    definition: CommandDefinition, actor: Actor, value: float | None, now: datetime
) -> float:
    if not definition.is_setpoint:
        return float(definition.value)  # type: ignore[arg-type]
    if value is None or not math.isfinite(value):
        _refuse(definition, actor, "A setpoint needs a finite 'value'.", 400, now)
    low, high = definition.minimum, definition.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        _refuse(definition, actor, f"The value must be from {low} to {high}.", 400, now, value)
    return value


def _check_allowed(
    definition: CommandDefinition, actor: Actor, value: float | None, now: datetime
) -> None:
    if not actor.may(definition.role):
        _refuse(
            definition, actor, f"This command needs the {definition.role} role.", 403, now, value
        )
    reason = blocking_reason(definition)
    if reason:
        _refuse(definition, actor, reason, 409, now, value)


def _refuse(
    definition: CommandDefinition,
    actor: Actor,
    message: str,
    status: int,
    now: datetime,
    value: float | None = None,
) -> NoReturn:
    audit.append(
        at=now,
        username=actor.user.get_username(),
        role=actor.role,
        client_address=actor.client_address,
        action=Action.REFUSAL,
        command_id=definition.pk,
        command=str(definition),
        value=value,
        value_before=definition.point.value,
        result=message,
    )
    raise Refused(message, status)


def _audit(request: CommandRequest, action: str, result: str, at: datetime) -> None:
    audit.append_for_request(request, action, result, at)
