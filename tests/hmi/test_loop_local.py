"""hmi.loop_local: one object per running event loop, shared by everything on that loop,
and nothing kept for loops that have closed."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from hmi.loop_local import LoopLocal


class Thing:
    pass


async def two_gets(local: LoopLocal[Thing]) -> tuple[Thing, Thing]:
    first = local.get()
    await asyncio.sleep(0)
    return first, local.get()


def test_one_object_per_loop_made_on_first_use() -> None:
    made: list[Thing] = []

    def factory() -> Thing:
        made.append(Thing())
        return made[-1]

    local = LoopLocal(factory)
    assert made == []
    first, second = asyncio.run(two_gets(local))
    assert first is second and made == [first]
    other, _ = asyncio.run(two_gets(local))  # another loop: another object
    assert other is not first and len(made) == 2


def test_closed_loops_objects_are_dropped_when_a_new_loop_asks() -> None:
    local = LoopLocal(Thing)
    first = weakref.ref(asyncio.run(two_gets(local))[0])
    gc.collect()
    assert first() is not None  # kept until another loop asks
    second, _ = asyncio.run(two_gets(local))
    gc.collect()
    assert first() is None and second is not None  # the closed loop's is gone


def test_outside_a_running_loop_there_is_no_object() -> None:
    with pytest.raises(RuntimeError):
        LoopLocal(Thing).get()
