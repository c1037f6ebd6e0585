"""Random sequences of select, operate, cancel, time passing, poller cycles and poller
restarts by two operators: no operation ever reaches the field without a valid selection
of the same user, and none reaches it twice or past its time-to-live."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import dispatch, service
from commands.models import CommandRequest

pytestmark = pytest.mark.django_db

STEPS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["select", "operate", "cancel"]), st.integers(0, 1)),
        st.tuples(st.just("wait"), st.integers(0, 40)),
        st.tuples(st.sampled_from(["poll", "restart", "echo"]), st.just(0)),
    ),
    max_size=25,
)


class Rollback(Exception):
    pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_no_operation_without_a_valid_selection_of_the_same_user(breaker, django_user_model, steps):
    try:
        with transaction.atomic():
            _run(breaker, django_user_model, steps)
            raise Rollback
    except Rollback:
        pass


def _run(breaker, django_user_model, steps):
    operators = []
    for n in range(2):
        user = django_user_model.objects.create_user(username=f"fuzz{n}", password="x")
        user.groups.add(Group.objects.get(name="operator"))
        operators.append(service.Actor(user, f"10.0.0.{n}"))
    now = timezone.now()
    selections: dict[int, object] = {}  # user index -> when that user's selection was made
    operated_at: dict[int, object] = {}
    sent: set[int] = set()
    for step, arg in steps:
        if step == "wait":
            now += timedelta(seconds=arg)
            continue
        if step in ("select", "operate", "cancel"):
            actor = operators[arg]
            try:
                request = getattr(service, step)(
                    breaker, actor, *([None] if step == "operate" else []), now=now
                )
            except service.Refused:
                continue
            if step == "select":
                selections[arg] = now
            else:
                made = selections.pop(arg, None)
                assert made is not None, "operated or cancelled without own selection"
                assert now < made + timedelta(seconds=breaker.selection_timeout)
                assert request.user == actor.user
                if step == "operate":
                    operated_at[request.pk] = now
            continue
        if step == "restart":
            dispatch.fail_interrupted(now=now)
        elif step == "echo":
            for request_id in CommandRequest.objects.filter(state="sending").values_list(
                "id", flat=True
            ):
                dispatch.echoed(request_id, now=now)
            dispatch.supervise(now=now)
        for request_id in dispatch.pending():
            if dispatch.claim(request_id, now=now) is not None:
                assert request_id not in sent, "sent twice"
                assert now - operated_at[request_id] <= timedelta(seconds=breaker.time_to_live)
                sent.add(request_id)
        # A selection that ended (expired) in the meantime is no longer the user's.
        for index in list(selections):
            if now >= selections[index] + timedelta(seconds=breaker.selection_timeout):
                del selections[index]
