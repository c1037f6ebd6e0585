"""The commands' feeder in the running poller (:mod:`poll.acquisition.requests`): takes
queued requests as soon as the web side announces them, hands each to the link that owns
its point, records the echo or the failure and supervises the feedback.

All database work runs in the feeder's own thread (and the reactor's thread pool for the
echoes), never on the reactor thread; a claimed request reaches its client with
``callFromThread``. On PostgreSQL the thread LISTENs on ``smve_command``
(:mod:`commands.notify`) and on ``smve_revision`` (each committed batch of the poller, which
may carry a command's feedback); on SQLite it checks the queue every ``interval`` seconds.
Feedback is supervised on every wake-up, at least every ``interval`` seconds.

Requests a previous poller left ``sending`` are failed, never sent again
(:func:`commands.dispatch.fail_interrupted`): all of them when a lone poller starts, and
with several pollers only those of the links this one takes over from another (told by
:meth:`CommandFeeder.taken_over`), since the other pollers' requests are still in flight.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import close_old_connections, connection
from django.utils import timezone
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure

from commands import dispatch, mqtt_target
from commands.models import CommandRequest
from commands.notify import NOTIFY_CHANNEL
from poll.acquisition.leases import lease_owners
from poll.acquisition.link_runner import LinkRunner
from poll.acquisition.mqtt.source import MqttDevices
from poll.acquisition.sources import SourceRunner
from poll.acquisition.store import NOTIFY_CHANNEL as REVISION_CHANNEL
from poll.models import Point
from protocols.mara.commands import CommandEcho, FieldCommand
from protocols.modbus import EncodeError, Table, WriteRequest, write_request
from protocols.modbus import Point as ModbusPoint

log = logging.getLogger(__name__)

MARA_KINDS = {"mara_port_bit": False, "mara_logical_port": True}
"""Mara command kinds, and whether each is a logical port (0x13) or a port bit (0x03)."""

MODBUS_TABLES = {"modbus_coil": Table.COIL, "modbus_register": Table.HOLDING_REGISTER}
"""Modbus command kinds, and the table each writes (function 5, or 6/16 by width)."""

INTERVAL = 0.5


@dataclass(frozen=True)
class Route:
    """Where a claimed request goes: a source's link, or why it cannot be sent."""

    source: str
    link_id: int | None
    problem: str = ""
    tag: str = ""
    """The point's tag (a Modbus write takes the point's data type, word order, scale)."""


class CommandFeeder:
    """One per poller run (the factory registered by :class:`commands.apps.CommandsConfig`)."""

    def __init__(
        self, reactor: Any, runners: Mapping[str, SourceRunner], interval: float = INTERVAL
    ) -> None:
        self._reactor = reactor
        self._runners = runners
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="commands", daemon=True)
        self._takeovers: list[tuple[datetime, Mapping[str, frozenset[int]] | None]] = []
        """Links taken over and when, for the feeder's thread (list appends and pops are
        atomic)."""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def taken_over(self, units: Mapping[str, frozenset[int]] | None) -> None:
        # Only requests sent before now are another poller's: the ones this poller claims
        # for those links from now on are its own, in flight.
        self._takeovers.append((timezone.now(), units))

    # The feeder's thread.

    def _run(self) -> None:
        try:
            listening = self._listen()
            while not self._stopping.is_set():
                if listening and not connection.is_usable():
                    connection.close()  # lost: a new connection, listening again
                    listening = self._listen()
                elif not listening:
                    close_old_connections()
                self.fail_taken_over()
                self._take_queued()
                dispatch.supervise()
                if listening:
                    self._wait_notify()
                else:
                    self._stopping.wait(self._interval)
        except Exception:
            log.exception("commands: the feeder stopped")
        finally:
            connection.close()

    def _listen(self) -> bool:
        if connection.vendor != "postgresql":
            return False
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {NOTIFY_CHANNEL}")
            # Each committed batch of the poller may bring a command's feedback: supervise
            # then, not at the next interval.
            cursor.execute(f"LISTEN {REVISION_CHANNEL}")
        return True

    def _wait_notify(self) -> None:
        raw = connection.connection
        assert raw is not None
        # Wakes at the first notification, or after the interval to supervise feedback.
        for _ in raw.notifies(timeout=self._interval, stop_after=1):
            pass

    def fail_taken_over(self) -> None:
        """Fail the requests left ``sending`` on the links taken over since the last call
        (on the feeder's thread: database work)."""
        while self._takeovers:
            taken_at, units = self._takeovers.pop(0)
            only = None if units is None else _on_units(units)
            failed = dispatch.fail_interrupted(sent_before=taken_at, only=only)
            if failed:
                log.warning("%d commands were interrupted by a restart: failed", failed)

    def _take_queued(self) -> None:
        # The listening connection stays open (closing it would drop the LISTEN and leave
        # the feeder checking at its interval only).
        for request_id in dispatch.pending():
            if not self._ours(request_id):
                continue
            claimed = dispatch.claim(request_id)
            if claimed is not None:
                self._reactor.callFromThread(self._send, claimed, route(claimed))

    def _ours(self, request_id: int) -> bool:
        """Whether this poller sends the request: its link runs here, or no poller holds
        the link's lease (then it fails here, "link not polled"). With several pollers
        (:mod:`poll.acquisition.leases`) a request goes only to its link's owner."""
        found = CommandRequest.objects.filter(pk=request_id).values_list(
            "definition__kind", "point_id"
        )
        row = found.first()
        if row is None:
            return True
        where = route_of(*row)
        if where.link_id is None:
            return True
        runner = self._runners.get(where.source)
        # A look at the reactor's dict of running links: one atomic read.
        if isinstance(runner, LinkRunner) and runner.client(where.link_id) is not None:
            return True
        if isinstance(runner, MqttDevices) and runner.runs(where.link_id):
            return True
        return (where.source, lease_unit(where)) not in lease_owners()

    # The reactor thread.

    def _send(self, claimed: dispatch.Claimed, where: Route) -> None:
        request_id = claimed.request_id
        runner = self._runners.get(where.source)
        if claimed.kind in mqtt_target.MQTT_KINDS and where.link_id is not None:
            published = mqtt_target.publish(runner, where.link_id, claimed.target, claimed.value)
            published.addCallbacks(
                lambda _: self._record(dispatch.echoed, request_id),
                self._lost,
                errbackArgs=(request_id,),
            )
            return
        client = (
            runner.client(where.link_id)
            if isinstance(runner, LinkRunner) and where.link_id is not None
            else None
        )
        if where.problem or client is None:
            self._record(dispatch.failed, request_id, where.problem or "link not polled")
            return
        if claimed.kind in MODBUS_TABLES:
            self._write(client, claimed, where.tag)
            return
        target = claimed.target
        command = FieldCommand(
            port=target["port"],
            bit=target["bit"],
            state=1 if claimed.value else 0,
            logical=MARA_KINDS[claimed.kind],
        )
        sent = client.send_command(command)
        sent.addCallbacks(
            self._echo, self._lost, callbackArgs=(request_id,), errbackArgs=(request_id,)
        )

    def _write(self, client: Any, claimed: dispatch.Claimed, tag: str) -> None:
        request_id = claimed.request_id
        point = client.plan.points.get(tag)
        if point is None:
            self._record(dispatch.failed, request_id, f"{tag} is not polled on its device")
            return
        try:
            request = modbus_write(point, claimed.kind, claimed.target, claimed.value)
        except EncodeError as error:
            self._record(dispatch.failed, request_id, f"cannot encode the value: {error}")
            return
        written = client.send_write(request)
        written.addCallbacks(
            lambda _: self._record(dispatch.echoed, request_id),
            self._lost,
            errbackArgs=(request_id,),
        )

    def _echo(self, echo: CommandEcho, request_id: int) -> None:
        if echo.ok:
            self._record(dispatch.echoed, request_id)
        else:
            self._record(dispatch.failed, request_id, echo.detail or "error echo")

    def _lost(self, failure: Failure, request_id: int) -> None:
        self._record(dispatch.failed, request_id, f"not done: {failure.getErrorMessage()}")

    def _record(self, step: Any, *args: Any) -> None:
        done = deferToThreadPool(self._reactor, self._reactor.getThreadPool(), step, *args)
        done.addErrback(lambda failure: log.error("commands: cannot record %s: %s", args, failure))


def lease_unit(where: Route) -> int | None:
    """The lease unit of a route's link (:mod:`poll.acquisition.leases`): the link itself,
    except an MQTT device, leased with its broker connection."""
    if where.source == mqtt_target.SOURCE and where.link_id is not None:
        return mqtt_target.broker_of(where.link_id)
    return where.link_id


def _on_units(units: Mapping[str, frozenset[int]]) -> Callable[[str | None, int | None], bool]:
    """Whether a request (its kind and point) goes to one of ``units``; one that goes to
    no link at all was never sent by any poller, so it counts as anyone's."""

    def on(kind: str | None, point_id: int | None) -> bool:
        if kind is None or point_id is None:
            return True
        where = route_of(kind, point_id)
        if where.link_id is None:
            return True
        return lease_unit(where) in units.get(where.source, frozenset())

    return on


def route(claimed: dispatch.Claimed) -> Route:
    """The source and link that own the request's point (database work: feeder thread)."""
    return route_of(claimed.kind, claimed.point_id)


def route_of(kind: str, point_id: int) -> Route:
    """The source and link of a command of ``kind`` on the point ``point_id``."""
    if kind in MARA_KINDS:
        comaster_id = (
            Point.objects.filter(pk=point_id).values_list("ied__comaster_id", flat=True).first()
        )
        if comaster_id is None:
            return Route("mara", None, "the point is on no COMaster")
        return Route("mara", comaster_id)
    if kind in MODBUS_TABLES:
        found = Point.objects.filter(pk=point_id).values_list("modbus_device_id", "tag")
        device_id, tag = found.first() or (None, "")
        if device_id is None:
            return Route("modbus", None, "the point is on no Modbus device")
        return Route("modbus", device_id, tag=tag)
    if kind in mqtt_target.MQTT_KINDS:
        device_id, problem = mqtt_target.device_of(point_id)
        return Route(mqtt_target.SOURCE, device_id, problem)
    return Route("", None, f"commands of kind {kind!r} are not sent by the poller yet")


def modbus_write(
    point: ModbusPoint, kind: str, target: Mapping[str, Any], value: float
) -> WriteRequest:
    """The write of ``value`` to the command's address: a coil (function 5), or holding
    registers in the point's own data type and word order (function 6 or 16)."""
    table = MODBUS_TABLES[kind]
    writable = dataclasses.replace(point, table=table, address=target["address"], writable=True)
    return write_request(writable, bool(value) if table is Table.COIL else value)
