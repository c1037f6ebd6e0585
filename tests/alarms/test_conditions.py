"""Condition alarms in the formula language and suppress-by-design conditions: evaluated in
the poller's batch from memory, checked when saved with the compiler's message."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from alarms.models import Alarm, AlarmDefinition, AlarmTransition
from alarms.processor import AlarmProcessor
from poll.acquisition.batch import PointChange, WriteBatch, to_micros
from poll.acquisition.store import BatchStore
from poll.models import Point
from poll.profiles import ProfileFileError, export_profile, load_profile
from tests.alarms.conftest import SMALL_PROFILE

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CURRENT, BREAKER = "E9AI00", "E9DI00"


def at(seconds: float) -> int:
    return to_micros(T0) + int(seconds * 1_000_000)


def points(profile) -> dict[str, int]:
    return dict(Point.objects.filter(profile=profile).values_list("tag", "pk"))


def feed(processor, ids: dict[str, int], seconds: float, _: int, **values: float) -> int:
    """Write one batch of point values as the poller does (points first, then the
    processor, in one transaction); answer its revision."""
    changes = {
        ids[tag]: PointChange(ids[tag], float(v), 0, True, at(seconds)) for tag, v in values.items()
    }
    revision, _inserted = BatchStore([processor]).write(WriteBatch(points=changes))
    return revision


def state(definition: AlarmDefinition) -> tuple[str, bool, bool]:
    alarm = Alarm.objects.get(definition=definition)
    return alarm.state, alarm.active, alarm.suppressed


def journal(definition: AlarmDefinition) -> list[tuple[str, str]]:
    rows = AlarmTransition.objects.filter(alarm__definition=definition).order_by("id")
    return list(rows.values_list("event", "to_state"))


def started(profile) -> AlarmProcessor:
    processor = AlarmProcessor()
    processor.configure(profile.pk)
    return processor


@pytest.fixture
def condition_alarm(small_profile):
    return AlarmDefinition.objects.create(
        profile=small_profile,
        tag="E9_HOT_OPEN",
        kind="condition",
        condition=f"Y(ai.{CURRENT}.value>250, di.{BREAKER}.value=1)",
        priority="medium",
        message="{tag}: current high while the breaker is closed",
    )


@pytest.fixture
def undercurrent(small_profile):
    """An L alarm suppressed by design while the breaker is open (DI 0)."""
    return AlarmDefinition.objects.create(
        profile=small_profile,
        point=Point.objects.get(profile=small_profile, tag=CURRENT),
        tag="E9AI00_L",
        kind="l",
        setpoint=50.0,
        message="Undercurrent {value} {unit}",
        suppress_condition=f"di.{BREAKER}.value=0",
    )


@pytest.mark.django_db
def test_a_condition_alarm_follows_its_formula_with_the_field_time(condition_alarm, small_profile):
    ids = points(small_profile)
    processor = started(small_profile)
    feed(processor, ids, 0, 10, **{CURRENT: 300.0, BREAKER: 0})
    assert state(condition_alarm) == ("normal", False, False)
    revision = feed(processor, ids, 2, 11, **{BREAKER: 1})
    alarm = Alarm.objects.get(definition=condition_alarm)
    assert (alarm.state, alarm.revision) == ("unack", revision)
    assert alarm.state_since == T0.replace(second=2)
    assert alarm.message == "E9_HOT_OPEN: current high while the breaker is closed"
    feed(processor, ids, 3, 12, **{CURRENT: 200.0})
    assert journal(condition_alarm) == [("activate", "unack"), ("clear", "rtn_unack")]


@pytest.mark.django_db
def test_a_condition_is_evaluated_only_when_an_input_changes(
    condition_alarm, small_profile, django_assert_num_queries
):
    processor, ids = started(small_profile), points(small_profile)
    feed(processor, ids, 0, 10, **{CURRENT: 1.0})  # the first evaluation
    other = max(ids.values()) + 1000
    with django_assert_num_queries(0):
        processor.process({other: PointChange(other, 1.0, 0, True, at(1))}, 11)
    current = ids[CURRENT]
    with django_assert_num_queries(0):  # evaluated from memory, no condition change
        processor.process({current: PointChange(current, 2.0, 0, True, at(2))}, 12)


@pytest.mark.django_db
def test_suppressed_while_the_breaker_is_open_and_back(undercurrent, small_profile):
    ids = points(small_profile)
    processor = started(small_profile)
    feed(processor, ids, 0, 10, **{CURRENT: 100.0, BREAKER: 1})
    assert state(undercurrent) == ("normal", False, False)
    feed(processor, ids, 1, 11, **{BREAKER: 0})
    assert state(undercurrent) == ("suppressed", False, True)
    feed(processor, ids, 2, 12, **{CURRENT: 0.0})  # no current: the breaker is open
    assert state(undercurrent) == ("suppressed", True, True)
    feed(processor, ids, 3, 13, **{BREAKER: 1})  # closed on a dead feeder: annunciated
    assert state(undercurrent) == ("unack", True, False)
    feed(processor, ids, 4, 14, **{CURRENT: 100.0})
    assert journal(undercurrent) == [
        ("suppress", "suppressed"),
        ("activate", "suppressed"),
        ("unsuppress", "unack"),
        ("clear", "rtn_unack"),
    ]


@pytest.mark.django_db
def test_a_breaker_opening_with_its_current_falling_never_annunciates(undercurrent, small_profile):
    ids = points(small_profile)
    processor = started(small_profile)
    feed(processor, ids, 0, 10, **{CURRENT: 100.0, BREAKER: 1})
    feed(processor, ids, 1, 11, **{CURRENT: 0.0, BREAKER: 0})  # in one batch
    assert journal(undercurrent) == [("suppress", "suppressed"), ("activate", "suppressed")]
    feed(processor, ids, 2, 12, **{CURRENT: 100.0, BREAKER: 1})
    assert state(undercurrent) == ("normal", False, False)


@pytest.mark.django_db
def test_replayed_formula_batches_add_nothing(undercurrent, condition_alarm, small_profile):
    ids = points(small_profile)
    batches = [(0, {CURRENT: 300.0, BREAKER: 1}), (1, {BREAKER: 0}), (2, {CURRENT: 0.0})]
    processor = started(small_profile)
    for seconds, values in batches:
        feed(processor, ids, seconds, 10 + seconds, **values)
    stored = AlarmTransition.objects.count()
    assert stored == 4  # activate, clear; suppress, activate
    restarted = started(small_profile)  # a poller that restarts and replays its last batch
    seconds, values = batches[-1]
    feed(restarted, ids, seconds, 20, **values)
    assert AlarmTransition.objects.count() == stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"kind": "condition", "condition": "ai.NOPE.value>1"}, "condition", "NOPE"),
        ({"kind": "condition", "condition": "Y(ai.E9AI00.value>"}, "condition", "expected"),
        ({"kind": "condition", "condition": "eg.E1.fill=1"}, "condition", "eg.E1"),
        ({"kind": "condition"}, "condition", "needs its formula"),
        ({"kind": "h", "condition": "TRUE"}, "condition", "Only a condition alarm"),
        ({"kind": "h"}, "point", "needs the point"),
        ({"kind": "comm_loss"}, "kind", "exactly one link"),
        (
            {"kind": "condition", "condition": "TRUE", "suppress_condition": "di.X.value"},
            "suppress_condition",
            "X",
        ),
    ],
)
def test_definitions_are_checked_with_clear_errors(small_profile, fields, field, words):
    definition = AlarmDefinition(profile=small_profile, tag="BAD", message="m", **fields)
    with pytest.raises(ValidationError) as error:
        definition.full_clean()
    messages = " ".join(error.value.message_dict.get(field, []))
    assert words in messages, error.value.message_dict


@pytest.mark.django_db
def test_a_link_of_another_profile_is_refused(small_profile):
    other = load_profile({**copy.deepcopy(SMALL_PROFILE), "profile": {"name": "Other"}})
    definition = AlarmDefinition(
        profile=small_profile,
        tag="LOST",
        kind="comm_loss",
        comaster=other.comasters.get(),
        message="lost",
    )
    with pytest.raises(ValidationError) as error:
        definition.full_clean()
    assert "another profile" in str(error.value.message_dict["comaster"])


CONDITION = {
    "tag": "E9_HOT",
    "kind": "condition",
    "condition": "Y(ai.E9AI00.value>250, di.E9DI00.value=1)",
    "suppress_condition": "di.E9DI00.value=0",
    "priority": "medium",
    "message": "hot",
}
COMM_LOSS = {"tag": "E9_COMM", "kind": "comm_loss", "link": {"comaster": "E9"}, "message": "lost"}
IED_LOSS = {
    "tag": "E9_IED1",
    "kind": "comm_loss",
    "link": {"comaster": "E9", "ied": 1},
    "message": "x",
}


@pytest.mark.django_db
def test_formulas_and_links_load_and_export_with_the_profile():
    profile = load_profile(
        {**copy.deepcopy(SMALL_PROFILE), "alarms": [CONDITION, COMM_LOSS, IED_LOSS]}
    )
    exported = {entry["tag"]: entry for entry in export_profile(profile)["alarms"]}
    assert exported["E9_HOT"]["condition"] == CONDITION["condition"]
    assert exported["E9_HOT"]["suppress_condition"] == CONDITION["suppress_condition"]
    assert "point" not in exported["E9_HOT"]
    assert exported["E9_COMM"]["link"] == {"comaster": "E9"}
    assert exported["E9_IED1"]["link"] == {"comaster": "E9", "ied": 1}
    again = load_profile({**copy.deepcopy(SMALL_PROFILE), "alarms": list(exported.values())})
    assert again.pk == profile.pk
    assert AlarmDefinition.objects.get(tag="E9_IED1").ied.address == 1


@pytest.mark.django_db
def test_bad_formulas_and_links_in_a_file_are_reported_with_their_place():
    bad = [
        {**CONDITION, "condition": "ai.NOPE.value>1"},
        {**COMM_LOSS, "tag": "L1", "link": {"comaster": "E7"}},
        {**COMM_LOSS, "tag": "L2", "link": {"comaster": "E9", "ied": 9}},
    ]
    with pytest.raises(ProfileFileError) as error:
        load_profile({**copy.deepcopy(SMALL_PROFILE), "alarms": bad})
    text = "\n".join(error.value.problems)
    assert "alarms[0]" in text and "NOPE" in text
    assert "alarms[1]: link: COMaster 'E7'" in text
    assert "alarms[2]: link: COMaster 'E9' has no IED at address 9" in text
