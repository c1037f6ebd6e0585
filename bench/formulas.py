"""Formula evaluation speed against its ceiling and its floor, in one run.

10,000 formulas over 5,000 points, in the shapes of real ones, each driving one element
attribute, some reading the attributes other formulas drive. Measured:

- full evaluations per second of `formulas.Engine.evaluate_all`;
- the same formulas as hand-written Python lambdas over the same lookup (the ceiling);
- the first implementation's approach (the floor): each formula's text with `=` replaced by
  `==`, run by Python's `eval` with the names bound in a dict, here only on this file's own
  generated text;
- the same texts compiled once by Python's `compile` and run with `eval` of the code object
  (the baseline the engine must at least equal: what a Python formula would cost without
  recompiling it on every evaluation);
- the time `Engine.update` takes to propagate one changed DI that 10 formulas read.

Run: `python -m bench.formulas` (add `--quick` for a smoke run).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from formulas import Engine, Ref, Target

POINTS = 5_000
FORMULAS = 10_000
SHARED_DI = Ref("di", "BENCHDI", "value")
SHARED_DI_READERS = 10

GOAL_NATIVE_FRACTION = 0.25
GOAL_EVAL_MULTIPLE = 5.0
GOAL_COMPILED_EVAL_FRACTION = 1.0
GOAL_PROPAGATION_SECONDS = 0.2e-3

Native = Callable[[dict[Ref, Any]], Any]


@dataclass
class Workload:
    inputs: dict[Ref, Any]
    sources: dict[Target, str]
    natives: list[tuple[Ref, Native]]


def _native_if_input(ref: Ref) -> Native:
    return lambda v: 1 if v[ref] else 2


def _native_if_int_text(text: Ref, stroke: Ref) -> Native:
    return lambda v: v[stroke] if int(v[text]) else 12


def _native_if_or(first: Ref, second: Ref) -> Native:
    return lambda v: 6 if (v[first] or v[second]) else 10


def _native_if_equal(stroke: Ref) -> Native:
    return lambda v: 9 if v[stroke] == 2 else 3


def _native_apparent_power(p: Ref, q: Ref, scale: Ref) -> Native:
    return lambda v: str(math.sqrt(v[p] * v[p] + v[q] * v[q]) * v[scale])


def _native_text(ref: Ref) -> Native:
    return lambda v: str(v[ref])


def build_workload(seed: int = 1) -> Workload:
    """Points, formulas in dependency order, and the matching lambdas."""
    rng = random.Random(seed)
    ai_tags = [f"A{n:04d}" for n in range(POINTS * 3 // 10)]
    di_tags = [f"D{n:04d}" for n in range(POINTS - len(ai_tags) - 1)]
    inputs: dict[Ref, Any] = {SHARED_DI: 1}
    for tag in ai_tags:
        inputs[Ref("ai", tag, "value")] = round(rng.uniform(-500, 500), 2)
        inputs[Ref("ai", tag, "q")] = int(rng.random() < 0.05)
        inputs[Ref("ai", tag, "escala")] = rng.choice((1.0, 0.01, 0.1))
    for tag in di_tags:
        inputs[Ref("di", tag, "value")] = rng.randint(0, 1)
        inputs[Ref("di", tag, "q")] = 0

    sources: dict[Target, str] = {}
    natives: list[tuple[Ref, Native]] = []
    texts: list[str] = []  # elements whose text is an integer as text
    strokes: list[str] = []
    shared_left = SHARED_DI_READERS
    for n in range(FORMULAS):
        element = f"E{n:05d}"
        shape = rng.randrange(6)
        if shared_left and n % (FORMULAS // SHARED_DI_READERS) == 0:
            shared_left -= 1
            shape, di = 0, SHARED_DI
        else:
            di = Ref("di", rng.choice(di_tags), "value")
        if shape in (1, 3) and not (texts and strokes):
            shape = 5
        if shape == 0:
            target = Target(element, "fill")
            source = f"SI({di},1,2)"
            native = _native_if_input(di)
        elif shape == 1:
            target = Target(element, "mark")
            text, stroke = rng.choice(texts), rng.choice(strokes)
            source = f"SI(int(eg.{text}.text),eg.{stroke}.stroke,12)"
            native = _native_if_int_text(Ref("eg", text, "text"), Ref("eg", stroke, "stroke"))
        elif shape == 2:
            target = Target(element, "fill")
            first, second = rng.sample(ai_tags, 2)
            source = f"SI(O(ai.{first}.q,ai.{second}.q),6,10)"
            native = _native_if_or(Ref("ai", first, "q"), Ref("ai", second, "q"))
        elif shape == 3:
            target = Target(element, "stroke")
            stroke = rng.choice(strokes)
            source = f"SI(eg.{stroke}.stroke=2,9,3)"
            native = _native_if_equal(Ref("eg", stroke, "stroke"))
            strokes.append(element)
        elif shape == 4:
            target = Target(element, "text")
            p, q = rng.sample(ai_tags, 2)
            source = f"str(RAIZ(ai.{p}.value*ai.{p}.value+ai.{q}.value*ai.{q}.value)*ai.{p}.escala)"
            native = _native_apparent_power(
                Ref("ai", p, "value"), Ref("ai", q, "value"), Ref("ai", p, "escala")
            )
        else:
            target = Target(element, "text")
            source = f"str({di})"
            native = _native_text(di)
            texts.append(element)
            if not strokes:
                strokes.append(element)
                inputs[Ref("eg", element, "stroke")] = 2
        sources[target] = source
        natives.append((target.ref, native))
    return Workload(inputs, sources, natives)


def _median_rates(runs: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Runs per second of the median run of each, taking turns (interleaved) so that a busy
    moment of the machine slows them all alike."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    return {name: 1.0 / statistics.median(times) for name, times in seconds.items()}


def _eval_baseline(workload: Workload, compiled: bool = False) -> Callable[[], None]:
    """The first implementation's way: text with = as ==, Python's eval, names in a dict;
    with ``compiled``, each text compiled once and its code object evaluated."""
    kinds: dict[str, SimpleNamespace] = {kind: SimpleNamespace() for kind in ("ai", "di", "eg")}
    for ref, value in workload.inputs.items():
        point = getattr(kinds[ref.kind], ref.tag, None)
        if point is None:
            point = SimpleNamespace()
            setattr(kinds[ref.kind], ref.tag, point)
        setattr(point, ref.attr, value)
    for target in workload.sources:
        if not hasattr(kinds["eg"], target.tag):
            setattr(kinds["eg"], target.tag, SimpleNamespace())
    names = {
        **kinds,
        "SI": lambda condition, yes, no: yes if condition else no,
        "O": lambda *values: any(values),
        "RAIZ": math.sqrt,
    }
    jobs = [
        (
            getattr(kinds["eg"], target.tag),
            target.attr,
            compile(text, "<formula>", "eval") if compiled else text,
        )
        for target, source in workload.sources.items()
        for text in (source.replace("=", "=="),)
    ]

    def run() -> None:
        for element, attr, text in jobs:
            setattr(element, attr, eval(text, names))

    return run


def _native_run(workload: Workload) -> Callable[[], None]:
    values = dict(workload.inputs)
    natives = workload.natives

    def run() -> None:
        for ref, native in natives:
            values[ref] = native(values)

    run()
    return run


def _propagation_seconds(engine: Engine, changes: int) -> float:
    """Mean seconds of one `update` of the shared DI, flipping it each time."""
    flips = [{SHARED_DI: n % 2} for n in range(changes)]
    start = time.perf_counter()
    for change in flips:
        engine.update(change)
    return (time.perf_counter() - start) / changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    rounds = 2 if parser.parse_args().quick else 10

    workload = build_workload()
    engine = Engine()
    problems = engine.load(workload.sources)
    if problems:
        raise SystemExit(f"benchmark formulas rejected: {problems}")
    engine.set_inputs(workload.inputs)
    engine.evaluate_all()
    readers = []
    for target in engine.targets:
        formula = engine.formula(target)
        assert formula is not None  # every target has its compiled formula
        if SHARED_DI in formula.inputs:
            readers.append(target)
    if len(readers) != SHARED_DI_READERS:
        raise SystemExit(f"{len(readers)} formulas read the shared DI, not {SHARED_DI_READERS}")

    rates = _median_rates(
        {
            "engine": engine.evaluate_all,
            "native": _native_run(workload),
            "eval": _eval_baseline(workload),
            "compiled eval": _eval_baseline(workload, compiled=True),
        },
        rounds,
    )
    ours, native, baseline = rates["engine"], rates["native"], rates["eval"]
    compiled = rates["compiled eval"]
    propagation = min(_propagation_seconds(engine, 2_000) for _ in range(rounds))

    print(f"{FORMULAS} formulas over {POINTS} points")
    print(f"engine, full evaluation:     {ours:10.1f} /s")
    print(f"native lambdas (ceiling):    {native:10.1f} /s")
    print(f"replace + eval (floor):      {baseline:10.1f} /s")
    print(f"compiled-once eval:          {compiled:10.1f} /s")
    print(f"one DI read by {SHARED_DI_READERS} formulas:   {propagation * 1e3:10.4f} ms per update")
    checks = [
        ("engine / native", ours / native, GOAL_NATIVE_FRACTION),
        ("engine / eval", ours / baseline, GOAL_EVAL_MULTIPLE),
        ("engine / compiled eval", ours / compiled, GOAL_COMPILED_EVAL_FRACTION),
        ("0.2 ms / propagation", GOAL_PROPAGATION_SECONDS / propagation, 1.0),
    ]
    for name, ratio, goal in checks:
        verdict = "met" if ratio >= goal else "NOT MET"
        print(f"{name:22} {ratio:8.2f}  (goal >= {goal:g}: {verdict})")


if __name__ == "__main__":
    main()
