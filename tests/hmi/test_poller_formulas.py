"""Screen formulas in the poller's batches: values, errors, currency, edits, rollbacks.

Batches go through the poller's own ``BatchStore``, so the element changes are written in
the batch's transaction and revision exactly as in ``manage.py poll``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import transaction

from hmi.models import Formula, GraphicElement
from hmi.palette import INVALID
from hmi.poller_formulas import SYNC_SECONDS, FormulaProcessor
from poll.acquisition.batch import PointChange, WriteBatch, to_micros
from poll.acquisition.store import BatchStore
from poll.models import Point
from tests.hmi.support import load_small_site


@pytest.fixture
def site_profile(db):
    return load_small_site()


NOW = to_micros(datetime(2026, 3, 1, 12, tzinfo=UTC))
FORMULAS = {
    ("E4189I01", "fill"): "SI(di.E4189I01.value,1,2)",
    ("E4189I01", "text"): 'SI(di.E4189I01.value,"Closed","Open")',
    ("E41BAR00", "text"): 'ai.E41BAR00.value&" kV"',
    ("E41BAR00", "stroke"): "SI(ai.E41BAR00.value>13.9,7,0)",
    ("E4FEEDER1", "fill"): "eg.E4189I01.fill",
    ("E4BAD", "fill"): "1/0",
    ("E4BAD", "text"): '"ok"',
}


@pytest.fixture
def configured(site_profile):
    points = {p.tag: p for p in Point.objects.filter(profile=site_profile)}
    Point.objects.filter(profile=site_profile).update(current=True)
    for tag in {tag for tag, _ in FORMULAS}:
        GraphicElement.objects.create(profile=site_profile, tag=tag)
    for (tag, attribute), source in FORMULAS.items():
        Formula.objects.create(
            element=GraphicElement.objects.get(tag=tag), attribute=attribute, source=source
        )
    return points


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(django_capture_on_commit_callbacks, clock):
    """The poller's store with the processor, committing as the poller's writer does."""
    store = BatchStore([FormulaProcessor(clock)])

    def write(*changes: PointChange) -> int:
        batch = WriteBatch()
        for change in changes:
            batch.set_point(change)
        with django_capture_on_commit_callbacks(execute=True):
            revision, _ = store.write(batch)
        return revision

    return write


def look(tag: str) -> Mapping[str, object]:
    return GraphicElement.objects.filter(tag=tag).values(
        "text", "fill", "stroke", "mark", "error", "current", "revision"
    )[0]


def value(point: Point, v: float | None, current: bool = True, q: int | None = 0) -> PointChange:
    return PointChange(point.pk, v, q, current, NOW)


def test_the_processor_is_registered_by_setting():
    assert "hmi.poller_formulas.FormulaProcessor" in settings.POLL_BATCH_PROCESSORS


@pytest.mark.django_db
def test_the_first_batch_writes_every_element_in_its_revision(configured, store):
    revision = store(value(configured["E4189I01"], 1.0), value(configured["E41BAR00"], 13.2))
    assert look("E4189I01") == {
        "text": "Closed",
        "fill": 1,
        "stroke": None,
        "mark": None,
        "error": "",
        "current": True,
        "revision": revision,
    }
    assert look("E41BAR00")["text"] == "13.2 kV" and look("E41BAR00")["stroke"] == 0
    assert look("E4FEEDER1")["fill"] == 1
    formula = Formula.objects.get(element__tag="E4189I01", attribute="text")
    assert (formula.last_value, formula.last_error) == ("Closed", "")


@pytest.mark.django_db
def test_a_di_flip_changes_only_the_elements_that_read_it(configured, store):
    first = store(value(configured["E4189I01"], 1.0), value(configured["E41BAR00"], 13.2))
    flip = store(value(configured["E4189I01"], 0.0))
    assert flip == first + 1
    assert (look("E4189I01")["fill"], look("E4189I01")["text"]) == (2, "Open")
    assert look("E4189I01")["revision"] == flip
    assert look("E4FEEDER1")["fill"] == 2 and look("E4FEEDER1")["revision"] == flip
    assert look("E41BAR00")["revision"] == first
    unchanged = store(value(configured["E4189I01"], 0.0))
    assert look("E4189I01")["revision"] == flip and unchanged > flip


@pytest.mark.django_db
def test_an_error_shows_the_invalid_code_and_says_why(configured, store):
    store()
    bad = look("E4BAD")
    assert bad["fill"] == INVALID and bad["text"] == "ok"
    assert bad["error"] == "fill: #DIV/0! (division by zero)"
    formula = Formula.objects.get(element__tag="E4BAD", attribute="fill")
    assert formula.last_error == "#DIV/0! (division by zero)" and formula.last_value == ""


@pytest.mark.django_db
def test_elements_whose_points_are_not_current_are_not_current(configured, store):
    store(value(configured["E4189I01"], 1.0))
    lost = store(value(configured["E4189I01"], None, current=False, q=None))
    for tag in ("E4189I01", "E4FEEDER1"):  # directly, and through eg.E4189I01.fill
        assert look(tag)["current"] is False and look(tag)["revision"] == lost
    assert look("E4189I01")["fill"] == 1, "the last value stays, shown as not current"
    assert look("E41BAR00")["current"] is True and look("E41BAR00")["revision"] < lost
    back = store(value(configured["E4189I01"], 1.0))
    assert look("E4FEEDER1")["current"] is True and look("E4FEEDER1")["revision"] == back


@pytest.mark.django_db
def test_an_edited_formula_takes_effect_at_the_next_batch_after_the_sync(configured, store, clock):
    store(value(configured["E4189I01"], 1.0))
    Formula.objects.filter(element__tag="E4189I01", attribute="fill").update(
        source="SI(di.E4189I01.value,3,4)"
    )
    Formula.objects.filter(element__tag="E4BAD", attribute="fill").delete()
    new = GraphicElement.objects.create(profile=configured["E4189I01"].profile, tag="E4NEW")
    Formula.objects.create(element=new, attribute="mark", source="5")
    clock.now += SYNC_SECONDS - 0.1
    store()
    assert look("E4189I01")["fill"] == 1, "configuration is read every SYNC_SECONDS"
    clock.now += 0.1
    revision = store()
    assert look("E4189I01")["fill"] == 3 and look("E4189I01")["revision"] == revision
    assert look("E4FEEDER1")["fill"] == 3
    assert look("E4BAD")["error"] == ""
    assert look("E4NEW") == look("E4NEW") | {"mark": 5, "current": True, "revision": revision}


@pytest.mark.django_db
def test_a_batch_that_rolls_back_is_written_again_by_the_next(
    configured, django_capture_on_commit_callbacks
):
    processor = FormulaProcessor()
    store = BatchStore([processor])
    with django_capture_on_commit_callbacks(execute=True):
        store.write(
            WriteBatch(points={configured["E4189I01"].pk: value(configured["E4189I01"], 1.0)})
        )

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        processor.process({0: value(configured["E4189I01"], 0.0)}, 999)
        raise Refused
    assert look("E4189I01")["fill"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        revision, _ = store.write(
            WriteBatch(points={configured["E4189I01"].pk: value(configured["E4189I01"], 0.0)})
        )
    assert look("E4189I01")["fill"] == 2 and look("E4189I01")["revision"] == revision
