"""Mara decoding speed against a minimal hand-written decoder, in one run.

Decodes the 252-byte replies captured from a live COMaster (10 energy events each) in a
loop and reports frames per second for:

- ``protocols.mara.decode_frame`` (SOF, QTY and BCC checks, typed results);
- a minimal ``struct`` decoder of the same frame (the baseline): same checks, same
  information, plain tuples;
- Construct's own parse of the reply declaration, plain and compiled, for the record
  (why the reply has a hand-written parser).

The goal is at least 20,000 frames/s for ``decode_frame`` on one core. Without the shared
test data the frames are built by the encoder in the same shape.

The decoders are interleaved round by round and the figures are medians (``bench/measure.py``).

Run: ``python -m bench.mara_decode`` (add ``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import random
import struct
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from protocols.mara import AnalogValue, EnergyEvent, PollReply, decode_frame, encode_poll_reply
from protocols.mara.frames import POLL_REPLY

from .measure import interleaved_rates, median, median_ratio, spread

GOAL_FRAMES_PER_SECOND = 20_000
CAPTURE = "mara/capture-2014-01-14.hex"
FRAME_SIZE = 252


def shared_data() -> Path:
    root = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("SMVE_SHARED_DATA", root.parent / "shared" / "data"))


def captured_frames() -> list[bytes] | None:
    path = shared_data() / CAPTURE
    if not path.is_file():
        return None
    frames = [bytes.fromhex(line) for line in path.read_text().splitlines() if line.strip()]
    return [frame for frame in frames if len(frame) == FRAME_SIZE]


def built_frames(count: int = 200) -> list[bytes]:
    """Replies shaped like the captured ones: 66 SV bytes, 13 DI words, 24 AIs, 10 energy
    events."""
    rng = random.Random(2014)
    start = datetime(2014, 1, 13, 16, 15)
    frames = []
    for n in range(count):
        events = tuple(
            EnergyEvent(
                ied=2 + i // 2,
                q=0,
                channel=i % 2,
                code=0,
                time=start + timedelta(minutes=15 * n),
                value=rng.randrange(2000),
            )
            for i in range(10)
        )
        reply = PollReply(
            sv=rng.randbytes(66),
            di=tuple(rng.randrange(65536) for _ in range(13)),
            ai=tuple(AnalogValue(rng.choice((0, 0, 0, 1)), rng.randrange(4096)) for _ in range(24)),
            events=events,
        )
        frames.append(encode_poll_reply(0x40, 1, n % 256, reply))
    return frames


# --- the baseline: a minimal struct decoder ------------------------------------------

_HEADER = struct.Struct(">BBBBBB")
_EVENT = struct.Struct(">BBBBBBBBBB")


def struct_decode(frame: bytes) -> tuple[Any, ...]:
    """Header, SV, DI words, AI (q, raw) and events as tuples; raises ValueError."""
    sof, qty, dst, src, seq, cmd = _HEADER.unpack_from(frame)
    if sof != 0xFE or qty != len(frame):
        raise ValueError("bad frame")
    words = struct.unpack_from(f">{(qty - 2) // 2}H", frame)
    total = sum(words) + (frame[qty - 3] << 8 if (qty - 2) % 2 else 0)
    if 0xFFFF - (total & 0xFFFF) != frame[-2] << 8 | frame[-1]:
        raise ValueError("bad BCC")
    offset = 6
    sections = []
    for size in (1, 2, 2, 10):
        count = frame[offset]
        if count == 0 or (count - 1) % size or offset + count > qty - 2:
            raise ValueError("bad section")
        sections.append((offset + 1, (count - 1) // size))
        offset += count
    (sv_at, sv_n), (di_at, di_n), (ai_at, ai_n), (ev_at, ev_n) = sections
    sv = frame[sv_at : sv_at + sv_n]
    di = struct.unpack_from(f"<{di_n}H", frame, di_at)
    ai = [(word >> 14, word & 0x0FFF) for word in struct.unpack_from(f"<{ai_n}H", frame, ai_at)]
    events = []
    for at in range(ev_at, ev_at + 10 * ev_n, 10):
        tcd, info, yy, mo, dd, hh, mi, b7, b8, b9 = _EVENT.unpack_from(frame, at)
        fields: tuple[int, ...]
        try:
            if tcd >> 6 == 1:
                when = datetime(2000 + yy, mo, dd, hh, mi)
                fields = (info & 7, (info >> 3) & 7, b7 << 16 | b9 << 8 | b8)
            else:
                ticks = (b8 << 8 | b9) & 0x7FFF
                when = datetime(2000 + yy, mo, dd, hh, mi, b7, ticks * 1_000_000 // 32768)
                fields = (info,)
        except ValueError:
            when = None
        events.append((tcd >> 6, tcd & 0x0F, (tcd >> 4) & 3, *fields, when))
    return (qty, dst, src, seq, cmd, sv, di, ai, events)


def _check_baseline_agrees(frame: bytes) -> None:
    ours = decode_frame(frame)
    qty, dst, src, seq, cmd, sv, di, ai, events = struct_decode(frame)
    reply = ours.payload
    assert isinstance(reply, PollReply)
    assert (ours.qty, ours.dst, ours.src, ours.seq, ours.cmd) == (qty, dst, src, seq, cmd)
    assert (reply.sv, reply.di) == (sv, di)
    assert [(value.q, value.raw) for value in reply.ai] == ai
    assert [event.time for event in reply.events] == [event[-1] for event in events]


# --- measuring ----------------------------------------------------------------------


def _decoding(decode: Callable[[bytes], object], frames: list[bytes]) -> Callable[[], int]:
    def run() -> int:
        for frame in frames:
            decode(frame)
        return len(frames)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    rounds = 3 if parser.parse_args().quick else 15

    frames = captured_frames()
    if frames is None:
        print(f"shared data not found at {shared_data() / CAPTURE}: using encoder-built frames")
        frames = built_frames()
    _check_baseline_agrees(frames[0])

    compiled = POLL_REPLY.compile()
    rates = interleaved_rates(
        {
            "decode_frame": _decoding(decode_frame, frames),
            "struct baseline": _decoding(struct_decode, frames),
            "Construct parse": _decoding(lambda f: POLL_REPLY.parse(f[6:-2]), frames),
            "Construct compiled": _decoding(lambda f: compiled.parse(f[6:-2]), frames),
        },
        rounds,
    )
    print(f"{len(frames)} frames of {len(frames[0])} bytes, {rounds} interleaved rounds")
    print(f"{'':20} {'median':>10}  {'range (frames/s)':>18}")
    for name, values in rates.items():
        print(f"{name:20} {median(values):10.0f}  {spread(values):>18}")
    ratio = median_ratio(rates, "decode_frame", "struct baseline")
    print(f"decode_frame / struct baseline (median of per-round ratios): {ratio:.2f}")
    ours = median(rates["decode_frame"])
    verdict = "met" if ours >= GOAL_FRAMES_PER_SECOND else "NOT MET"
    print(f"goal >= {GOAL_FRAMES_PER_SECOND} frames/s (median): {verdict}")


if __name__ == "__main__":
    main()
