"""What saving one formula costs in a large profile, against the full re-check it replaced.

The demo substation's points, plus 5,000 elements each driven by a formula in the shapes of
real ones (a DI's colour, an AI's text, some reading other elements' attributes). Measured,
interleaved in the same process, the median of several rounds of each:

- ours: what the admin, the API and the loader do to save a formula: ``full_clean()`` (which
  compiles that formula and looks for a cycle along the other formulas' stored inputs)
  and ``save()``;
- the baseline: the check it replaced, reproduced here: every tag of the profile read,
  the formula compiled, then every formula of the profile read and compiled again to look
  for a cycle; and the same ``save()``.

Run: ``python -m bench.formulas_save`` (``--quick`` for a smoke run; ``--database-url``
for PostgreSQL, default a SQLite file under ``var/``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROFILE_FILE = ROOT / "fixtures" / "demo_site.json"
GOAL_SECONDS = 0.05
"""A save in a profile of 5,000 formulas should cost milliseconds, not seconds."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--formulas", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="500 formulas, 3 rounds")
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/bench_formulas.sqlite3")
    args = parser.parse_args()
    if args.quick:
        args.formulas, args.rounds = 500, 3
    setup_django(args.database_url)
    formula = build_profile(args.formulas)
    ours, baseline = measure(formula, args.rounds)
    report(args.formulas, ours, baseline)
    return 0


def setup_django(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="smve.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only"),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    else:
        from bench.database import create_database

        create_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_profile(count: int) -> Any:
    """The demo profile with ``count`` more formulas; the formula the bench saves."""
    import json

    from django.db import connection, transaction

    from formulas import compile_formula
    from hmi.formula_checks import format_inputs
    from hmi.models import Formula, GraphicElement
    from poll.models import Point
    from poll.profiles import load_profile

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the bench database is the bench's alone
            cursor.execute("TRUNCATE poll_profile, poll_revision RESTART IDENTITY CASCADE")
    profile = load_profile(json.loads(PROFILE_FILE.read_text()), activate=True)
    dis = list(Point.objects.filter(profile=profile, kind="di").values_list("tag", flat=True))
    ais = list(Point.objects.filter(profile=profile, kind="ai").values_list("tag", flat=True))
    with transaction.atomic():
        elements = GraphicElement.objects.bulk_create(
            GraphicElement(profile=profile, tag=f"BENCH{i:05d}") for i in range(count)
        )
        formulas = []
        for i, element in enumerate(elements):
            if i % 10 == 9:  # an element that shows the state of the one before
                source = f"SI(eg.BENCH{i - 1:05d}.fill=1,7,eg.BENCH{i - 1:05d}.fill)"
                attribute = "stroke"
            elif i % 3 == 0:
                source = f'FLOAT(ai.{ais[i % len(ais)]}.value,1)&" kV"'
                attribute = "text"
            else:
                source = f"SI(di.{dis[i % len(dis)]}.value,1,2)"
                attribute = "fill"
            inputs = format_inputs(compile_formula(source).inputs)
            formulas.append(
                Formula(element=element, attribute=attribute, source=source, inputs=inputs)
            )
        Formula.objects.bulk_create(formulas, batch_size=500)
    return Formula.objects.select_related("element").get(element=elements[-1])


def measure(formula: Any, rounds: int) -> tuple[float, float]:
    """Median seconds per save: ours, then the baseline's, interleaved."""
    sources = [formula.source, "SI(eg.BENCH00000.fill=1,7,3)"]
    ours: list[float] = []
    baseline: list[float] = []
    for round_ in range(rounds):
        source = sources[round_ % 2]
        ours.append(timed(save_ours, formula, source))
        baseline.append(timed(save_baseline, formula, source))
    return statistics.median(ours), statistics.median(baseline)


def timed(work: Callable[..., None], *args: Any) -> float:
    """Seconds ``work`` takes in one transaction, as the admin saves."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        work(*args)
    return time.perf_counter() - started


def save_ours(formula: Any, source: str) -> None:
    formula.source, formula.compiled = source, None
    formula.full_clean(exclude=["last_value", "last_error", "evaluated_at"])
    formula.save()


def save_baseline(formula: Any, source: str) -> None:
    """The check every save made before: all tags, then every formula compiled again."""
    from formulas import CycleError, Target, compile_formula, validate_formulas
    from hmi.models import Formula, GraphicElement
    from poll.models import Point

    formula.source = source
    profile = formula.element.profile
    tags: dict[str, set[str]] = {"ai": set(), "di": set(), "sv": set(), "eg": set()}
    for kind, tag in Point.objects.filter(profile=profile).values_list("kind", "tag"):
        tags[kind].add(tag)
    tags["eg"].update(GraphicElement.objects.filter(profile=profile).values_list("tag", flat=True))
    formula.compiled = compile_formula(formula.source, tags)
    others = (
        Formula.objects.filter(element__profile=profile)
        .exclude(pk=formula.pk)
        .select_related("element")
    )
    sources = {Target(other.element.tag, other.attribute): other.source for other in others}
    target = Target(formula.element.tag, formula.attribute)
    sources[target] = formula.source
    if isinstance(validate_formulas(sources).get(target), CycleError):
        raise AssertionError("the bench's formula closes no cycle")
    formula.save()


def report(count: int, ours: float, baseline: float) -> None:
    print(f"saving one formula in a profile of {count:,} more formulas (medians):")
    print(f"  ours      {ours * 1e3:9.2f} ms   (goal: under {GOAL_SECONDS * 1e3:.0f} ms)")
    print(f"  baseline  {baseline * 1e3:9.2f} ms   (every formula compiled again)")
    print(f"  baseline / ours: {baseline / ours:.0f}x")


if __name__ == "__main__":
    raise SystemExit(main())
