"""Screen formulas in the poller's batches: values, errors, currency, edits, rollbacks.

Batches go through the poller's own ``BatchStore``, so the element changes are written in
the batch's transaction and revision exactly as in ``manage.py poll``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from django.db import transaction

from formulas import Engine
from hmi.models import Formula, GraphicElement, Screen
from hmi.palette import INVALID
from hmi.poller_formulas import FormulaProcessor
from poll.acquisition.batch import EventRow, PointChange, SampleRow, WriteBatch, to_micros
from poll.acquisition.processors import batch_processor_factories
from poll.acquisition.store import BatchStore
from poll.models import Event, Point, Profile, Sample
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


@pytest.fixture
def store(django_capture_on_commit_callbacks, configured, site_profile):
    """The poller's store with the processor, configured and committing as the poller's
    writer does; ``store.processor.configure`` is the writer's configuration watcher."""
    processor = FormulaProcessor()
    processor.configure(site_profile.pk)
    store = BatchStore([processor])

    def write(*changes: PointChange) -> int:
        batch = WriteBatch()
        for change in changes:
            batch.set_point(change)
        with django_capture_on_commit_callbacks(execute=True):
            revision, _ = store.write(batch)
        return revision

    write.processor = processor
    return write


def look(tag: str) -> Mapping[str, object]:
    return GraphicElement.objects.filter(tag=tag).values(
        "text", "fill", "stroke", "mark", "error", "current", "revision"
    )[0]


def value(point: Point, v: float | None, current: bool = True, q: int | None = 0) -> PointChange:
    return PointChange(point.pk, v, q, current, NOW)


def test_the_processor_is_registered_with_the_poll_core():
    assert FormulaProcessor in batch_processor_factories()


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
def test_an_edited_formula_takes_effect_at_the_next_batch_after_configure(
    configured, store, site_profile
):
    store(value(configured["E4189I01"], 1.0))
    Formula.objects.filter(element__tag="E4189I01", attribute="fill").update(
        source="SI(di.E4189I01.value,3,4)"
    )
    Formula.objects.filter(element__tag="E4BAD", attribute="fill").delete()
    new = GraphicElement.objects.create(profile=configured["E4189I01"].profile, tag="E4NEW")
    Formula.objects.create(element=new, attribute="mark", source="5")
    store()
    assert look("E4189I01")["fill"] == 1, "configuration is read when the watcher hands it over"
    store.processor.configure(site_profile.pk)
    revision = store()
    assert look("E4189I01")["fill"] == 3 and look("E4189I01")["revision"] == revision
    assert look("E4FEEDER1")["fill"] == 3
    assert look("E4BAD")["error"] == ""
    assert look("E4NEW") == look("E4NEW") | {"mark": 5, "current": True, "revision": revision}


@pytest.mark.django_db
def test_a_batch_that_rolls_back_is_written_again_by_the_next(
    configured, django_capture_on_commit_callbacks, site_profile
):
    processor = FormulaProcessor()
    processor.configure(site_profile.pk)
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


@pytest.mark.django_db
def test_a_result_is_rendered_as_the_console_shows_it(configured, store, site_profile):
    element = GraphicElement.objects.create(profile=site_profile, tag="E4SHOW")
    Formula.objects.create(element=element, attribute="text", source="1=1")
    Formula.objects.create(element=element, attribute="mark", source="2/2")
    store.processor.configure(site_profile.pk)
    store()
    results = dict(Formula.objects.filter(element=element).values_list("attribute", "last_value"))
    assert results == {"text": "TRUE", "mark": "1"}
    assert look("E4SHOW")["text"] == "TRUE"


@pytest.mark.django_db
def test_a_batch_that_reads_no_formula_input_does_no_formula_work(configured, store, monkeypatch):
    store(value(configured["E4189I01"], 1.0))
    updates = []
    real_update = Engine.update
    monkeypatch.setattr(
        Engine,
        "update",
        lambda engine, changed: updates.append(changed) or real_update(engine, changed),
    )
    unread = Point.objects.filter(profile=configured["E4189I01"].profile).exclude(
        tag__in=[tag for tag, _ in FORMULAS]
    )[0]
    store(value(unread, 3.0))
    assert updates == [], "no formula reads the point: the engine is not asked"
    store(value(configured["E4189I01"], 0.0))
    assert len(updates) == 1


def chain_of_elements(profile, length: int, point_tag: str) -> list[str]:
    """``length`` elements, each one's fill reading the next one's; the last reads a DI."""
    tags = [f"CH{i:05d}" for i in range(length)]
    elements = GraphicElement.objects.bulk_create(
        GraphicElement(profile=profile, tag=tag) for tag in tags
    )
    sources = [f"eg.{tag}.fill" for tag in tags[1:]] + [f"SI(di.{point_tag}.value,1,2)"]
    Formula.objects.bulk_create(
        Formula(element=element, attribute="fill", source=source)
        for element, source in zip(elements, sources, strict=True)
    )
    return tags


@pytest.mark.django_db
def test_a_long_chain_of_elements_is_evaluated_and_its_batches_stored(
    configured, site_profile, django_capture_on_commit_callbacks
):
    tags = chain_of_elements(site_profile, 1_100, "E4189I01")
    processor = FormulaProcessor()
    processor.configure(site_profile.pk)
    store = BatchStore([processor])
    di = configured["E4189I01"]
    with django_capture_on_commit_callbacks(execute=True):
        revision, _ = store.write(WriteBatch(points={di.pk: value(di, 1.0)}))
    assert Point.objects.get(pk=di.pk).value == 1.0
    first, last = look(tags[0]), look(tags[-1])
    assert (first["fill"], first["current"], first["revision"]) == (1, True, revision)
    assert (last["fill"], last["error"]) == (1, "")
    lost = value(di, None, current=False, q=None)
    with django_capture_on_commit_callbacks(execute=True):
        store.write(WriteBatch(points={di.pk: lost}))
    assert look(tags[0])["current"] is False, "currency follows the whole chain"


@pytest.mark.django_db
def test_a_failing_formula_batch_marks_its_elements_invalid_and_stores_the_batch(
    configured, store, site_profile, monkeypatch, django_capture_on_commit_callbacks
):
    store(value(configured["E4189I01"], 1.0), value(configured["E41BAR00"], 13.2))
    bar_before = look("E41BAR00")

    def broken(engine, changed):
        raise RuntimeError("engine broken")

    monkeypatch.setattr(Engine, "update", broken)
    di, ai = configured["E4189I01"], configured["E41BAR00"]
    comaster = di.ied.comaster
    batch = WriteBatch()
    batch.set_point(value(di, 0.0))
    batch.samples.append(SampleRow(ai.pk, NOW, 13.4, 0))
    batch.events.append(
        EventRow(site_profile.pk, comaster.pk, di.pk, 1, 0, 0, NOW, 0, 0, "00aa", "k:f", NOW)
    )
    with django_capture_on_commit_callbacks(execute=True):
        revision, inserted = BatchStore([store.processor]).write(batch)
    assert Point.objects.get(pk=di.pk).value == 0.0
    assert inserted == 1 and Event.objects.filter(dedup_key="k:f").exists()
    assert Sample.objects.filter(point_id=ai.pk, value=13.4).exists()
    for tag in ("E4189I01", "E4FEEDER1"):  # directly, and through eg.E4189I01.fill
        broken_look = look(tag)
        assert broken_look["fill"] == INVALID and broken_look["revision"] == revision
        assert "engine broken" in broken_look["error"]
    assert look("E41BAR00") == bar_before, "an element the batch does not reach is left alone"
    formula = Formula.objects.get(element__tag="E4189I01", attribute="fill")
    assert "engine broken" in formula.last_error and formula.last_value == ""

    monkeypatch.undo()
    store()
    assert (look("E4189I01")["fill"], look("E4189I01")["error"]) == (2, "")
    assert look("E4FEEDER1")["fill"] == 2


@pytest.mark.django_db
def test_formula_element_and_screen_edits_bump_the_configuration_version(site_profile):
    def version() -> int:
        return Profile.objects.get(pk=site_profile.pk).config_version

    start = version()
    element = GraphicElement.objects.create(profile=site_profile, tag="E4NEW")
    assert version() == start + 1
    formula = Formula.objects.create(element=element, attribute="fill", source="1")
    assert version() == start + 2
    formula.source = "2"
    formula.save()
    assert version() == start + 3
    formula.last_value = "2"
    formula.save(update_fields=["last_value"])
    assert version() == start + 3, "a result written back is no configuration change"
    formula.delete()
    screen = Screen.objects.create(profile=site_profile, name="new")
    assert version() == start + 5
    screen.delete()
    element.delete()
    assert version() == start + 7


@pytest.mark.django_db
def test_element_changes_the_database_refuses_spare_the_batch(configured, store, monkeypatch):
    di = configured["E4189I01"]
    store(value(di, 1.0))

    def refused(*args, **kwargs):  # a real refusal: two elements with one tag
        GraphicElement.objects.filter(tag="E4FEEDER1").update(tag="E4189I01")

    monkeypatch.setattr(GraphicElement.objects, "bulk_update", refused)
    store(value(di, 0.0), value(configured["E41BAR00"], 13.5))
    assert Point.objects.get(pk=di.pk).value == 0.0
    assert Point.objects.get(pk=configured["E41BAR00"].pk).value == 13.5
    assert look("E4189I01")["fill"] == 1, "the elements are left as they were"
    monkeypatch.undo()
    store()
    assert look("E4189I01")["fill"] == 2 and look("E41BAR00")["text"] == "13.5 kV"
