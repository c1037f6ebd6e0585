"""Which poller runs which link, when several pollers run against one PostgreSQL database.

Every lease unit of every source (a COMaster, a Modbus device, an MQTT broker connection
with its devices) is run by the one poller that holds its lease: a session-level advisory
lock, ``pg_try_advisory_lock(<source key>, <unit id>)``, taken on a connection of the
poller's own (:class:`LeaseKeeper`, a thread). A poller runs exactly the units whose locks
it holds; the others wait in its configuration and are tried again every
``POLL_LEASE_INTERVAL`` seconds (1). So a second poller is a standby, and a poller started
with ``--shard NAME`` tries only the units of that shard (and those of none).

Advisory locks rather than a lease table: the server releases a dead poller's locks itself,
as soon as its connection closes (a killed process's sockets are closed by its kernel), so
a standby takes over within one interval, with no clock to trust and no expiry to tune;
nothing is written per renewal. Who holds what stays visible in ``pg_locks`` joined with
``pg_stat_activity`` (the lease connection's ``application_name`` names the poller):
:func:`lease_owners`.

A poller that loses its lease connection (the database went away) keeps running what it
ran, journaling as a lone poller does, and says so (``on_connection(False)``): when the
database is down no other poller can take anything either. Once it reconnects it takes
its units' locks again; any another poller took meanwhile (a network that cut only this
poller off) it hands over then. Both may have polled such a unit for a while; every
answer either got is in its journal, so nothing is lost, and events are stored once.

On SQLite there is one poller, as before; a second one is refused (:func:`claim_sqlite`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import IO, Any

import psycopg
from django.db import DatabaseError, connection

from poll.acquisition.batch import LinkStatus
from poll.acquisition.sources import Source, registered_sources
from poll.acquisition.watcher import SiteConfig

log = logging.getLogger(__name__)

APPLICATION_PREFIX = "smve-poll "
"""The lease connection's ``application_name``: this, then the poller's name."""

Holdings = dict[str, frozenset[int]]
"""Lease units by source name."""
Statuses = dict[str, dict[int, LinkStatus]]
LeaseCallback = Callable[[Holdings, Statuses], None]
ConnectionCallback = Callable[[bool], None]

TRY_LOCKS = "SELECT u FROM unnest(%s::int[]) AS u WHERE pg_try_advisory_lock(%s, u)"
UNLOCKS = "SELECT pg_advisory_unlock(%s, u) FROM unnest(%s::int[]) AS u"
OWNERS = """
    SELECT l.classid::bigint, l.objid::bigint, a.application_name
    FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND a.application_name LIKE %s"""


def source_key(source_name: str) -> int:
    """The first key of a source's locks (the unit id is the second): stable, positive,
    and apart from the writer's single-key revision lock."""
    return zlib.crc32(f"smve-lease:{source_name}".encode()) & 0x7FFFFFFF


def gained(before: Holdings, after: Holdings) -> Holdings:
    """The units held ``after`` that were not held ``before``, by source (those that
    gained some only)."""
    return {
        name: units - before.get(name, frozenset())
        for name, units in after.items()
        if units - before.get(name, frozenset())
    }


def lease_owners() -> dict[tuple[str, int], str]:
    """Who runs what now: (source name, unit id) -> poller name (empty on SQLite)."""
    if connection.vendor != "postgresql":
        return {}
    sources = {source_key(source.name): source.name for source in registered_sources()}
    with connection.cursor() as cursor:
        cursor.execute(OWNERS, [f"{APPLICATION_PREFIX}%"])
        rows = cursor.fetchall()
    return {
        (sources[key], unit): application.removeprefix(APPLICATION_PREFIX)
        for key, unit, application in rows
        if key in sources
    }


class LeaseKeeper:
    """Takes, keeps and gives back one poller's leases, in a thread of its own.

    The reactor tells it what the configuration holds (:meth:`want`); it calls
    ``on_change(held, statuses)`` from its thread whenever the units it holds change, with
    the communication state last written for the links it just took (so that SEQ and
    counters carry on from the poller that had them).
    """

    def __init__(
        self,
        name: str,
        shards: Collection[str],
        interval: float,
        on_change: LeaseCallback,
        on_connection: ConnectionCallback = lambda up: None,
        database: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.shards = frozenset(shards)
        self.interval = interval
        self._on_change = on_change
        self._on_connection = on_connection
        self._database = database
        self._config: SiteConfig | None = None
        self._wanted_for: SiteConfig | None = None
        self._wanted: Holdings = {}
        self._held: Holdings = {}
        """What the lease session holds now."""
        self._reported: Holdings = {}
        """What the poller runs: what it was last told."""
        self._connection: Any = None
        self._failing = False
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leases", daemon=True)

    def want(self, config: SiteConfig) -> None:
        """Run this configuration's units from now on (any thread)."""
        self._config = config
        self._wake.set()

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Give every lease back (by closing the lease connection) and end the thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # The keeper's thread.

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self.cycle()
                self._wake.wait(self.interval)
                self._wake.clear()
        finally:
            self._disconnect()
            connection.close()

    def cycle(self) -> None:
        """One round: take what is wanted and free, give back what is not wanted, and
        tell the poller if that changed anything."""
        config = self._config
        if config is None:
            return
        before = self._reported
        try:
            held = self._lock(self._wanted_units(config))
            statuses = self._statuses(config, gained(before, held))
        except (DatabaseError, OSError, psycopg.Error) as error:
            if not self._failing:
                log.error(
                    "leases: lost the lease connection (%s); polling on alone until it is back",
                    error,
                )
                self._failing = True
                self._on_connection(False)
            self._disconnect()
            connection.close()  # Django's, used for shards and states: a fresh one next time
            return
        if self._failing:
            log.info("leases: the lease connection is back")
            self._failing = False
            self._on_connection(True)
        self._reported = held
        if held != before:
            for name in sorted(set(held) | set(before)):
                now, was = held.get(name, frozenset()), before.get(name, frozenset())
                if now != was:
                    log.info(
                        "leases: %s: %d units (took %d, gave up %d)",
                        name, len(now), len(now - was), len(was - now),
                    )  # fmt: skip
            self._on_change(held, statuses)

    def _wanted_units(self, config: SiteConfig) -> Holdings:
        """The configuration's units, those of this poller's shards when it has some."""
        if config is not self._wanted_for:
            self._wanted = {
                source.name: self._in_shards(source, config.sources[source.name].lease_units())
                for source in registered_sources()
                if source.name in config.sources
            }
            self._wanted_for = config
        return self._wanted

    def _in_shards(self, source: Source, units: frozenset[int]) -> frozenset[int]:
        if not self.shards or not units:
            return units
        rows = source.lease_model._default_manager.filter(pk__in=list(units))
        allowed = {"", *self.shards}
        return frozenset(pk for pk, shard in rows.values_list("pk", "shard") if shard in allowed)

    def _lock(self, wanted: Holdings) -> Holdings:
        lease = self._connect()
        held: Holdings = {}
        with lease.cursor() as cursor:
            for name in set(wanted) | set(self._held):
                key = source_key(name)
                units = wanted.get(name, frozenset())
                have = self._held.get(name, frozenset())
                if have - units:
                    cursor.execute(UNLOCKS, [key, sorted(have - units)])
                taken: set[int] = set()
                if units - have:
                    cursor.execute(TRY_LOCKS, [sorted(units - have), key])
                    taken = {row[0] for row in cursor.fetchall()}
                held[name] = frozenset((have & units) | taken)
            cursor.execute("SELECT 1")  # the connection is alive: the leases still hold
        self._held = {name: units for name, units in held.items() if units}
        return self._held

    def _statuses(self, config: SiteConfig, gained: Holdings) -> Statuses:
        statuses: Statuses = {}
        for source in registered_sources():
            units = gained.get(source.name)
            if units:
                links = config.sources[source.name].only(units).link_names()
                statuses[source.name] = source.link_kind.load_statuses(links)
        return statuses

    def _connect(self) -> Any:
        if self._connection is None or self._connection.closed:
            params = dict(self._database or _libpq_parameters())
            self._connection = psycopg.connect(
                **params,
                autocommit=True,
                application_name=f"{APPLICATION_PREFIX}{self.name}"[:63],
                connect_timeout=5,
                # A broken network must end the session soon on both sides: the server
                # then frees the leases for a standby, and this poller stops its links.
                keepalives=1,
                keepalives_idle=5,
                keepalives_interval=2,
                keepalives_count=2,
                tcp_user_timeout=10000,
            )
            self._held = {}
        return self._connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # closing a broken connection: nothing more to do
                log.debug("leases: closing the lease connection failed", exc_info=True)
            self._connection = None


def _libpq_parameters() -> dict[str, Any]:
    """Django's connection parameters, less the ones only Django's cursor uses."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold", "application_name"):
        params.pop(django_only, None)
    return params


_sqlite_claim: IO[str] | None = None


def claim_sqlite(database: str | Path) -> str | None:
    """Make this process the SQLite database's only poller, or say why it cannot be.

    An exclusive ``flock`` on a file beside the database, held for the life of the
    process (the kernel drops it when the process dies, however it dies)."""
    global _sqlite_claim
    path = Path(f"{database}.poller-lock")
    claim = path.open("a+")
    try:
        fcntl.flock(claim.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        claim.seek(0)
        other = claim.read().strip() or "another process"
        claim.close()
        return (
            f"another poller ({other}) runs on the SQLite database {database}: SQLite takes "
            "one poller; run several pollers against PostgreSQL"
        )
    claim.seek(0)
    claim.truncate()
    claim.write(f"pid {os.getpid()}")
    claim.flush()
    _sqlite_claim = claim
    return None
