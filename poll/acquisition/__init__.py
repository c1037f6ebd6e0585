"""Acquisition: ``manage.py poll`` (docs/poller.md). A core shared by every field source,
and one sub-package per source.

The core (this folder's modules) knows no protocol:

- ``service.py`` runs the poller: a reactor, the registered sources, the journal and the
  writer thread; ``options.py`` its settings, ``metrics.py`` its Prometheus metrics;
- ``sources.py`` what a source is and the registry; ``watcher.py`` the configuration
  (each source's part of it) and how a change is noticed;
- ``batch.py`` a write batch: point changes, samples, records, link states
  (``LinkStatus``, one row type for every source) and link events;
- ``point_states.py`` each point's last written state and history sample;
- ``link_recorder.py`` the part of a client's sink every source shares: counters, online
  and offline, journaling; ``links.py`` where a source's links are stored;
- ``journal.py`` the spool; ``writer.py`` the database writer thread; ``store.py`` one
  batch in one transaction; ``sql/`` its statements (an interface, PostgreSQL, SQLite);
- ``processors.py`` batch processors registered by other apps (hmi's screen formulas).

A source (``mara/``, ``modbus/``) holds only its configuration (``config.py``: frozen
dataclasses read from the database), its mapping of answers into point changes and
records (``mapping.py``), its recorder (``recorder.py``: a
:class:`~poll.acquisition.link_recorder.LinkRecorder` that is its client's sink, and the
:class:`~poll.acquisition.links.LinkKind` naming its links' table) and ``source.py``: a
:class:`~poll.acquisition.sources.Source` that loads its configuration and runs a client
per link.

To add a source (say MQTT): create ``poll/acquisition/mqtt/`` with those modules, and
register its ``Source`` in :func:`register_built_in_sources` below (one line). Nothing in
the core changes: the watcher loads its configuration and link states, the service runs
it, its batches go through the same journal, writer and live stream.
"""

from __future__ import annotations


def register_built_in_sources() -> None:
    """Register the sources SMVE ships (called by the poll app at start-up)."""
    from poll.acquisition.mara.source import MaraSource
    from poll.acquisition.modbus.source import ModbusSource
    from poll.acquisition.sources import register_source

    register_source(MaraSource())
    register_source(ModbusSource())
