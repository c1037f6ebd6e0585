"""What end-to-end tests compare: the simulator's ledger and state against the database."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from poll.models import COMaster, ComEvent, Energy, Event, Point

from .processes import Simulator, field_time, wait_until


def drive_field(
    simulator: Simulator,
    profile: dict[str, Any],
    seconds: float,
    seed: int,
    until: Callable[[], bool] | None = None,
) -> None:
    """Change DIs and AIs of every COMaster through the control port for ``seconds``, or
    until ``until()`` holds (then ``seconds`` is a deadline that fails the test)."""
    rng = random.Random(seed)
    dis = [
        (comaster["name"], di["tag"])
        for comaster in profile["comasters"]
        for ied in comaster["ieds"]
        for di in ied["di"]
    ]
    ais = [
        (comaster["name"], ai["tag"])
        for comaster in profile["comasters"]
        for ied in comaster["ieds"]
        for ai in ied["ai"]
    ]
    end = time.monotonic() + seconds
    checked = time.monotonic()
    while time.monotonic() < end:
        if until is not None and time.monotonic() - checked > 0.5:
            if until():
                return
            checked = time.monotonic()
        name, tag = rng.choice(dis)
        simulator.control("set_di", comaster=name, tag=tag, value=rng.randint(0, 1))
        if rng.random() < 0.3:
            name, tag = rng.choice(ais)
            q = rng.choice((0, 0, 0, 1, 2, 3))
            simulator.control("set_ai", comaster=name, tag=tag, raw=rng.randint(0, 4095), q=q)
        time.sleep(0.01)  # pacing: about fifty changes a second
    assert until is None, f"driven for {seconds:g} s, and never: {until.__name__}"


def hand_out_last_events(
    simulator: Simulator, profile: dict[str, Any], events_of: Callable[[str], int]
) -> None:
    """Make every COMaster hand out one more event and wait until the poller stored it.

    SEQ moves on only once a reply is stored, so every event handed out before these is
    stored too; stopping the simulator after this leaves no answer unfetched (a reply
    dropped or late just before would otherwise be asked for again only after a resume).
    ``events_of(tag)`` counts the stored events of a DI.
    """
    state = simulator.state()
    markers = {}
    for comaster in profile["comasters"]:
        tag = comaster["ieds"][0]["di"][0]["tag"]
        markers[tag] = events_of(tag)
        value = 1 - state[comaster["name"]]["di"][tag]
        simulator.control("set_di", comaster=comaster["name"], tag=tag, value=value)
    wait_until(
        lambda: all(events_of(tag) > before for tag, before in markers.items()),
        30,
        "the last events handed out",
    )


def event_count(tag: str) -> int:
    return Event.objects.filter(di__tag=tag).count()


def masks(profile: dict[str, Any]) -> dict[tuple[str, int, int, int], bool]:
    """(COMaster, IED address, port, bit) -> the DI's mask, as the profile file says."""
    return {
        (comaster["name"], ied["address"], di["port"], di["bit"]): di["inverted"]
        for comaster in profile["comasters"]
        for ied in comaster["ieds"]
        for di in ied["di"]
    }


def escalas(profile: dict[str, Any]) -> dict[str, float]:
    return {
        ai["tag"]: ai["escala"]
        for comaster in profile["comasters"]
        for ied in comaster["ieds"]
        for ai in ied["ai"]
    }


def values_match(state: dict[str, Any], escala: dict[str, float]) -> list[str]:
    """Points whose stored value differs from the simulator's; empty when all match."""
    stored = {
        (name, tag): (value, q, current)
        for name, tag, value, q, current in Point.objects.filter(kind__in=["di", "ai"]).values_list(
            "ied__comaster__name", "tag", "value", "q", "current"
        )
    }
    wrong = []
    for name, comaster in state.items():
        expected = {(name, tag): (float(value), 0, True) for tag, value in comaster["di"].items()}
        expected |= {
            (name, tag): (ai["raw"] * escala[tag], ai["q"], True)
            for tag, ai in comaster["ai"].items()
        }
        for key, want in expected.items():
            if stored.get(key) != want:
                wrong.append(f"{key}: stored {stored.get(key)}, simulator {want}")
    return wrong


def stored_records() -> tuple[list[tuple], list[tuple]]:
    """(COMaster, raw, time, value) of every event and of every energy record stored."""
    fields = ("comaster__name", "raw", "time", "value")
    return (
        list(Event.objects.values_list(*fields)),
        list(Energy.objects.values_list(*fields)),
    )


def stored_count() -> int:
    return Event.objects.count() + Energy.objects.count()


def assert_ledger_stored_once(
    ledger: list[dict[str, Any]], inverted: dict, stored: tuple[list[tuple], list[tuple]]
) -> None:
    """Every event the simulator handed out is stored once, with its time and value, and
    nothing else is. ``stored`` is what :func:`stored_records` returns."""
    handed_out = {(line["comaster"], line["raw"]): line["event"] for line in ledger}
    assert len(handed_out) == len(ledger), "the simulator handed an event out twice"
    events, energy = stored
    keys = [(name, raw) for name, raw, _, _ in events + energy]
    assert len(keys) == len(set(keys)), "an event is stored twice"
    assert set(keys) == set(handed_out)
    for name, raw, time_, value in events:
        event = handed_out[(name, raw)]
        assert time_ == field_time(event["time"])
        assert (
            value == event["status"] ^ inverted[(name, event["ied"], event["port"], event["bit"])]
        )
    for name, raw, time_, value in energy:
        event = handed_out[(name, raw)]
        assert (time_, value) == (field_time(event["time"]), event["value"])


def link_history(name: str) -> list[int]:
    """The poller's link events of a COMaster in order: 1 online, 0 offline."""
    return list(
        ComEvent.objects.filter(comaster__name=name, source="poller")
        .order_by("received_at", "id")
        .values_list("reason", flat=True)
    )


def polled_at_least(count: int) -> Callable[[], bool]:
    def enough() -> bool:
        return min(COMaster.objects.values_list("polls", flat=True)) >= count

    enough.__name__ = f"every COMaster polled {count} times"
    return enough


def all_offline() -> bool:
    return not COMaster.objects.filter(online=True).exists()


def all_online() -> bool:
    return not COMaster.objects.filter(enabled=True, online=False).exists()
