"""Communication-loss alarms: a link's state in the batch (COMaster, Modbus or MQTT device)
or a COMaster's comsys event about an IED raises and clears them, with the field time of
the change, idempotently on replay; and end to end with the Mara simulator fallen silent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alarms.models import Alarm, AlarmDefinition, AlarmTransition
from alarms.processor import AlarmProcessor
from poll.acquisition.batch import ComEventRow, LinkStatus, WriteBatch, to_micros
from poll.acquisition.processors import run_processor
from poll.acquisition.store import BatchStore
from poll.models import IED, COMaster

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def at(seconds: float) -> int:
    return to_micros(T0) + int(seconds * 1_000_000)


def link_batch(comaster_id: int, online: bool, seconds: float) -> WriteBatch:
    batch = WriteBatch()
    status = LinkStatus.initial(comaster_id)._replace(
        online=online, state_since=at(seconds), last_poll_at=at(seconds)
    )
    batch.set_link("comasters", status)
    return batch


def ied_batch(profile_id: int, ied: IED, lost: bool, seconds: float) -> WriteBatch:
    row = ComEventRow(
        profile_id, ied.comaster_id, ied.pk, "field", ied.address, 2, 0 if lost else 1,
        "IED link lost" if lost else "IED link restored", at(seconds), f"raw{seconds}",
        f"{ied.comaster_id}:ied{seconds}", at(seconds),
    )  # fmt: skip
    return WriteBatch(com_events=[row])


def started(profile_id: int) -> AlarmProcessor:
    processor = AlarmProcessor()
    processor.configure(profile_id)
    return processor


@pytest.fixture
def comaster_loss(small_profile):
    return AlarmDefinition.objects.create(
        profile=small_profile,
        tag="E9_COMM",
        kind="comm_loss",
        comaster=COMaster.objects.get(profile=small_profile),
        priority="high",
        message="COMaster {tag} not answering",
    )


@pytest.fixture
def ied_loss(small_profile):
    return AlarmDefinition.objects.create(
        profile=small_profile,
        tag="E9_IED1",
        kind="comm_loss",
        ied=IED.objects.get(comaster__profile=small_profile),
        message="IED lost",
    )


@pytest.mark.django_db
def test_a_comaster_going_offline_raises_the_alarm_and_coming_back_clears_it(comaster_loss):
    store = BatchStore([started(comaster_loss.profile_id)])
    comaster = comaster_loss.comaster_id
    store.write(link_batch(comaster, True, 0))
    assert Alarm.objects.get(definition=comaster_loss).state == "normal"
    revision, _ = store.write(link_batch(comaster, False, 5))
    alarm = Alarm.objects.get(definition=comaster_loss)
    assert (alarm.state, alarm.active, alarm.revision) == ("unack", True, revision)
    assert alarm.state_since == T0.replace(second=5)
    assert alarm.message == "COMaster E9_COMM not answering"
    store.write(link_batch(comaster, True, 9))
    rows = AlarmTransition.objects.filter(alarm__definition=comaster_loss).order_by("id")
    assert list(rows.values_list("event", "to_state", "time")) == [
        ("activate", "unack", T0.replace(second=5)),
        ("clear", "rtn_unack", T0.replace(second=9)),
    ]


@pytest.mark.django_db
def test_a_replayed_link_batch_adds_nothing(comaster_loss):
    BatchStore([started(comaster_loss.profile_id)]).write(
        link_batch(comaster_loss.comaster_id, False, 5)
    )
    restarted = BatchStore([started(comaster_loss.profile_id)])  # a restarted poller
    restarted.write(link_batch(comaster_loss.comaster_id, False, 5))
    assert AlarmTransition.objects.count() == 1


@pytest.mark.django_db
def test_an_ied_link_lost_and_restored_by_the_comasters_events(ied_loss):
    store = BatchStore([started(ied_loss.profile_id)])
    store.write(ied_batch(ied_loss.profile_id, ied_loss.ied, True, 3))
    assert Alarm.objects.get(definition=ied_loss).state == "unack"
    store.write(ied_batch(ied_loss.profile_id, ied_loss.ied, False, 4))
    alarm = Alarm.objects.get(definition=ied_loss)
    assert (alarm.state, alarm.state_since) == ("rtn_unack", T0.replace(second=4))


@pytest.mark.django_db
def test_a_link_with_an_on_delay_must_stay_lost(comaster_loss):
    AlarmDefinition.objects.filter(pk=comaster_loss.pk).update(on_delay_s=10)
    processor = started(comaster_loss.profile_id)
    store, comaster = BatchStore([processor]), comaster_loss.comaster_id
    store.write(link_batch(comaster, False, 0))
    store.write(link_batch(comaster, True, 4))  # back within the delay: no alarm
    store.write(link_batch(comaster, False, 5))
    assert Alarm.objects.get(definition=comaster_loss).state == "normal"
    offline_still = link_batch(comaster, False, 5)
    offline_still.links["comasters"][comaster] = offline_still.links["comasters"][
        comaster
    ]._replace(last_poll_at=at(16), state_since=at(16))
    store.write(offline_still)
    assert Alarm.objects.get(definition=comaster_loss).state == "unack"


class PointsOnly:
    """A processor written before links were handed to processors."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def configure(self, profile_id: int) -> None:
        pass

    def process(self, points, revision: int) -> None:
        self.seen.append(revision)


def test_processors_without_process_links_are_called_as_before():
    old = PointsOnly()
    run_processor(old, link_batch(1, False, 0), 7)
    assert old.seen == [7]


# End to end: the poller against the Mara simulator over TCP, on the test database.

from tests.poll.acquisition.conftest import site  # noqa: E402, F401 - the fixture
from tests.poll.acquisition.processes import wait_until  # noqa: E402


@pytest.mark.slow
def test_a_silent_comaster_raises_its_comm_loss_alarm_and_clears_it(site):  # noqa: F811
    simulator = site.simulator()
    poller = site.poller()
    definition = AlarmDefinition.objects.get(tag="E4_COMM")

    def alarm() -> Alarm:
        return Alarm.objects.get(definition=definition)

    wait_until(lambda: COMaster.objects.filter(name="E4", online=True).exists(), 30, "E4 online")
    assert alarm().state == "normal"
    simulator.control("stop", comaster="E4")
    wait_until(lambda: alarm().state == "unack", 30, "the comm-loss alarm")
    lost = alarm()
    assert lost.active and lost.message.startswith("COMaster E4 not answering")
    assert Alarm.objects.get(definition__tag="E5_COMM").state == "normal"
    simulator.control("resume", comaster="E4")
    wait_until(lambda: alarm().state == "rtn_unack", 30, "the alarm to clear")
    poller.stop()
    events = list(
        AlarmTransition.objects.filter(alarm__definition=definition).values_list("event", flat=True)
    )
    assert events == ["activate", "clear"]
    # The alarm's time is when the poller saw the link go, as the link's state says.
    since = COMaster.objects.get(name="E4").state_since
    assert alarm().state_since == since


@pytest.mark.django_db(transaction=True)  # the copy counts as stored once batches commit
def test_a_batch_with_values_and_links_reloads_nothing_unless_it_rolled_back(
    comaster_loss, ai_alarm, monkeypatch
):
    """Its ``process`` stores the limit alarm, then its ``process_links`` (same batch) the
    link's: the alarms are read again only after a batch whose transaction rolled back."""
    from django.db import transaction

    from poll.acquisition.batch import PointChange

    processor = started(comaster_loss.profile_id)
    loads = []
    reload = processor._load
    monkeypatch.setattr(processor, "_load", lambda: (loads.append(1), reload()))
    store = BatchStore([processor])
    comaster, point = comaster_loss.comaster_id, ai_alarm.point_id

    def both(value: float, online: bool, seconds: float) -> WriteBatch:
        batch = link_batch(comaster, online, seconds)
        batch.set_point(PointChange(point, value, 0, True, at(seconds)))
        return batch

    store.write(both(90.0, True, 0))
    store.write(both(130.0, False, 5))
    assert loads == []
    with pytest.raises(RuntimeError), transaction.atomic():
        store.write(both(90.0, True, 10))
        raise RuntimeError("the batch's transaction rolls back")
    store.write(both(90.0, True, 10))
    assert loads == [1]
    states = dict(Alarm.objects.values_list("definition__tag", "state"))
    assert states == {comaster_loss.tag: "rtn_unack", ai_alarm.tag: "rtn_unack"}
