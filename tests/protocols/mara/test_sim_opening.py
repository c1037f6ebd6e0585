"""The opening scene: DIs that flip at set moments after the start, so that the demo's
Events page fills within its first minute; on a task.Clock, with the demo's own profile."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from protocols.mara import DigitalEvent, encode_time_set

from .sim_support import START, make_harness

DEMO_PROFILE = Path(__file__).resolve().parents[3] / "fixtures" / "demo_substation.json"
FIRST_MINUTE = 60


def demo_document() -> dict:
    return json.loads(DEMO_PROFILE.read_text(encoding="utf-8"))


def descriptions(comaster: str) -> dict[tuple[int, int, int], str]:
    """Each DI's description by (IED address, port, bit), as its event names it."""
    (data,) = [c for c in demo_document()["comasters"] if c["name"] == comaster]
    return {
        (ied["address"], di["port"], di["bit"]): di["description"]
        for ied in data["ieds"]
        for di in ied.get("di", [])
    }


@pytest.mark.parametrize("comaster", ["E4", "E5"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_demo_field_operates_a_breaker_and_trips_a_protection_in_its_first_minute(
    comaster: str, seed: int
) -> None:
    harness = make_harness(comaster, document=demo_document(), seed=seed)
    harness.clock.advance(FIRST_MINUTE)
    events = [event for event in harness.drain() if isinstance(event, DigitalEvent)]
    names = descriptions(comaster)
    what = [names[(event.ied, event.port, event.bit)] for event in events]
    assert any(name.endswith("breaker") for name in what), what
    assert any("trip" in name or "lockout" in name for name in what), what
    assert all(
        event.time is not None and event.time - START <= timedelta(seconds=FIRST_MINUTE)
        for event in events
    )


def test_the_scene_flips_each_di_at_its_moments() -> None:
    document = demo_document()
    harness = make_harness("E4", document=document, seed=1)
    breaker = harness.device.state()["di"]["E4189I01"]
    harness.clock.advance(8)
    assert harness.device.state()["di"]["E4189I01"] == breaker, "still closed at 8 s"
    harness.clock.advance(1)
    assert harness.device.state()["di"]["E4189I01"] == 1 - breaker, "opened at 8.1 s"
    harness.clock.advance(FIRST_MINUTE - 9)
    assert harness.device.state()["di"]["E4189I01"] == breaker, "closed again at 24 s"


def test_a_time_set_moves_the_rest_of_the_scene_with_the_clock() -> None:
    harness = make_harness("E4", document=demo_document(), seed=1)
    harness.clock.advance(2)
    later = START + timedelta(days=3)
    harness.request(encode_time_set(0xFF, 0x40, 0x22, later))
    harness.clock.advance(FIRST_MINUTE - 2)
    events = harness.drain()
    trips = [event for event in events if isinstance(event, DigitalEvent) and event.port == 2]
    assert trips and all(event.time is not None and event.time >= later for event in trips)
