"""``GET /api/stream?screen=ID``: a screen's changes as Server-Sent Events.

The first message is the whole state of the screen (``id:`` its revision); each later
message carries the elements that changed after the previous one. A client that reconnects
with ``Last-Event-ID`` (browsers do it by themselves) first gets what changed after that
revision, so it misses nothing. Comments (``: heartbeat``) keep proxies from closing an
idle stream. Messages are the JSON of ``GET /api/screens/ID/state``.

``GET /api/stream?topic=site`` is the site-wide channel the console's header, banner and
lists follow: one message ``{"revision": N}`` per new committed revision (``id:`` N), from
the process's revision feed. It tells a page *that* something was committed; the page then
reads the one API it shows (events) once, so nothing polls on a timer. The alarms, which
every page shows and whose latency counts, come in the message itself for users who may
view them: ``"alarms"`` lists the ``/api/alarms/`` items of the alarms changed since the
stream's previous message (one back to ``normal`` is to be dropped), read once per process
and revision (:mod:`hmi.site_alarms`). A message without it (a connection's first, or
changes too many to carry) means: read ``/api/alarms/`` whole.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from hmi.loop_local import LoopLocal
from hmi.models import Screen
from hmi.revision_feed import RevisionFeed, read_database, revision_feed
from hmi.screen_state import ScreenState, parse_revision, read_state
from hmi.site_alarms import AlarmChanges, alarm_changes
from smve.web_metrics import STREAM_MESSAGES, STREAMS_OPEN

RECONNECT_MILLISECONDS = 1000


class ScreenMessage(NamedTuple):
    state: ScreenState
    data: bytes
    """The state as a Server-Sent Events message, encoded once for all its streams."""


class SharedStateReads:
    """Streams of one screen that are at the same revision ask the same question when a
    new revision arrives; one query answers all of them, and its message is encoded once."""

    def __init__(self) -> None:
        self._reads: dict[tuple[int, int | None, int], asyncio.Future[ScreenMessage]] = {}

    async def read(
        self, screen_id: int, profile_id: int, since: int | None, latest: int
    ) -> ScreenMessage:
        key = (screen_id, since, latest)
        read = self._reads.get(key)
        if read is None:
            read = asyncio.ensure_future(_read_message(screen_id, profile_id, since))
            self._reads[key] = read
            read.add_done_callback(lambda _: self._reads.pop(key, None))
        # One stream going away must not cancel the read the others wait for.
        return await asyncio.shield(read)


async def _read_message(screen_id: int, profile_id: int, since: int | None) -> ScreenMessage:
    state = await read_database(read_state, screen_id, profile_id, since)
    data = json.dumps(state, separators=(",", ":"))
    return ScreenMessage(state, f"id: {state['revision']}\ndata: {data}\n\n".encode())


_shared_reads = LoopLocal(SharedStateReads)


def sent(message: ScreenMessage) -> bytes:
    """The message's bytes, counted as sent on one more stream."""
    STREAM_MESSAGES.labels("screen").inc()
    return message.data


async def screen_events(
    screen_id: int, profile_id: int, last_event_id: int | None, feed: RevisionFeed
) -> AsyncGenerator[bytes, None]:
    """The stream's bytes: the state after ``last_event_id`` (all of it when None), then
    each change, with heartbeats while nothing changes."""
    heartbeat = getattr(settings, "STREAM_HEARTBEAT_SECONDS", 15.0)
    reads = _shared_reads.get()
    yield f"retry: {RECONNECT_MILLISECONDS}\n\n".encode()
    async with feed.screen_watch(screen_id, profile_id) as watch:
        message = await reads.read(screen_id, profile_id, last_event_id, feed.latest)
        state = message.state
        if last_event_id is None or state["elements"] or state["revision"] < last_event_id:
            yield sent(message)
        seen = state["revision"]
        while True:
            latest = await feed.wait_screen(watch, seen, heartbeat)
            if latest <= seen:
                yield b": heartbeat\n\n"
                continue
            message = await reads.read(screen_id, profile_id, seen, latest)
            if message.state["elements"]:
                yield sent(message)
            seen = max(seen, message.state["revision"])


SITE_TOPIC = "site"


async def site_events(
    last_event_id: int | None, feed: RevisionFeed, alarms: AlarmChanges | None = None
) -> AsyncGenerator[bytes, None]:
    """The site channel's bytes: the latest revision at once when it is not the one the
    client has, then each newer one, with heartbeats while nothing is committed; with
    ``alarms`` (the user may view them), each message after the first carries the alarms
    changed since the one before."""
    heartbeat = getattr(settings, "STREAM_HEARTBEAT_SECONDS", 15.0)
    yield f"retry: {RECONNECT_MILLISECONDS}\n\n".encode()
    async with AsyncExitStack() as following:
        await following.enter_async_context(feed.subscription())
        if alarms is not None:
            await following.enter_async_context(alarms.following())
        seen = last_event_id or 0
        sent = False
        while True:
            latest = await feed.wait_beyond(seen, heartbeat)
            # 0: the feed has not read the database yet. Below ``seen``: a restored
            # database, which the client must hear of as well.
            if latest in (seen, 0):
                yield b": heartbeat\n\n"
                continue
            message: dict[str, Any] = {"revision": latest}
            # The first message follows a gap the client must fill by reading the list.
            if alarms is not None and sent and latest > seen:
                changed = await alarms.since(seen, latest)
                if changed is not None:
                    message["alarms"] = changed
            seen, sent = latest, True
            STREAM_MESSAGES.labels(SITE_TOPIC).inc()
            data = json.dumps(message, separators=(",", ":"))
            yield f"id: {latest}\ndata: {data}\n\n".encode()


async def counted(events: AsyncGenerator[bytes, None], channel: str) -> AsyncIterator[bytes]:
    """``events``, counted among the open streams while the client stays (and closed
    with it, so that its subscription ends at once)."""
    gauge = STREAMS_OPEN.labels(channel)
    gauge.inc()
    try:
        async for chunk in events:
            yield chunk
    finally:
        gauge.dec()
        await events.aclose()


@require_GET
async def stream(request: HttpRequest) -> HttpResponseBase:
    """Authenticate like the API (session or token), check the role, then stream.

    The checks run in one database visit that gives its connection back before the
    stream starts: a stream may stay open for hours, and holds no connection while it
    waits (each later read takes one from the pool and returns it).
    """
    admitted = await read_database(_admit, request)
    if isinstance(admitted, JsonResponse):
        return admitted
    screen_id, profile_id, last_event_id = admitted.screen_id, admitted.profile_id, admitted.last
    events = (
        site_events(last_event_id, revision_feed(), alarm_changes() if admitted.alarms else None)
        if screen_id is None
        else screen_events(screen_id, profile_id, last_event_id, revision_feed())
    )
    channel = "screen" if screen_id is not None else SITE_TOPIC
    response = StreamingHttpResponse(counted(events, channel), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each message on at once
    return response


class Admission(NamedTuple):
    screen_id: int | None
    """None: the site channel."""
    profile_id: int
    last: int | None
    """The revision the client has."""
    alarms: bool = False
    """The site channel carries the alarms (the user may view them)."""


def _admit(request: HttpRequest) -> JsonResponse | Admission:
    """The refusal, or what to stream."""
    try:
        user = _user(request)
    except AuthenticationFailed as exc:
        return _error(401, str(exc.detail), {"WWW-Authenticate": "Token"})
    if not user.is_authenticated:
        return _error(
            401, "Authentication credentials were not provided.", {"WWW-Authenticate": "Token"}
        )
    if not user.has_perm("hmi.view_graphicelement"):
        return _error(403, "Your role may not read screens; ask for the viewer role.")
    last_param = request.headers.get("Last-Event-ID", request.GET.get("last_event_id", ""))
    last_event_id = parse_revision(last_param)
    if last_param and last_event_id is None:
        return _error(400, f"Last-Event-ID {last_param[:40]!r} is not a revision.")
    topic = request.GET.get("topic")
    if topic is not None:
        if topic != SITE_TOPIC or "screen" in request.GET:
            return _error(400, f"topic={topic[:40]!r}: the only topic is {SITE_TOPIC!r}.")
        return Admission(None, 0, last_event_id, alarms=user.has_perm("alarms.view_alarm"))
    screen_param = request.GET.get("screen", "")
    screen_id = parse_revision(screen_param)
    if screen_id is None:
        return _error(400, f"screen={screen_param[:40]!r}: give the id of a screen.")
    screen = Screen.objects.filter(pk=screen_id).values("pk", "profile_id").first()
    if screen is None:
        return _error(404, f"There is no screen {screen_id}.")
    return Admission(screen["pk"], screen["profile_id"], last_event_id)


def _user(request: HttpRequest) -> User | AnonymousUser:
    """The session's user, else the token's (the site's user model is Django's own)."""
    user = request.user
    if user.is_authenticated:
        return user
    found = TokenAuthentication().authenticate(Request(request))
    return found[0] if found else user


def _error(status: int, message: str, headers: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, headers=headers)
