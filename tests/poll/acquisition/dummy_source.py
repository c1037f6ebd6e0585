"""A source that is no protocol, plugged into the poller's core the way a real one is: one
module and one registration (in this test app's ``ready``), to show that a new source needs
nothing else. Run with ``DJANGO_SETTINGS_MODULE=tests.poll.acquisition.dummy_settings``.

Its links are the profile's COMasters named ``DUMMY*`` (kept disabled, so that the Mara
source leaves them alone). Once started, a link answers once: it comes online and sets the
points tagged in :data:`ANSWERED_TAGS` to 1. A batch processor registered alongside marks
the screen elements of the changed points with the batch's revision, so the live stream
sees what the source wrote.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred, succeed

from poll.acquisition.batch import LinkStatus, PointChange, WriteBatch
from poll.acquisition.link_recorder import LinkRecorder
from poll.acquisition.links import LinkKind
from poll.acquisition.options import PollerOptions
from poll.acquisition.point_states import PointStates
from poll.acquisition.sources import SourceContext
from poll.models import COMaster, Point, Profile

ANSWERED_TAGS = ("E4DI00",)
MARK = "written by the dummy source"
DUMMY_LINKS = LinkKind(
    "dummy_links", COMaster, event_column="comaster_id", label="Dummy link", key_prefix="dummy"
)


@dataclass(frozen=True)
class DummySite:
    links: dict[int, str] = field(default_factory=dict)
    point_ids: tuple[int, ...] = ()
    profile_id: int = 0

    def link_names(self) -> Mapping[int, str]:
        return self.links

    def lease_units(self) -> frozenset[int]:
        return frozenset(self.links)

    def only(self, units: Collection[int]) -> DummySite:
        links = {link: name for link, name in self.links.items() if link in units}
        return DummySite(links, self.point_ids, self.profile_id)


@dataclass
class DummyLayout:
    name: str
    profile_id: int
    point_ids: tuple[int, ...]


class DummyMapper:
    def __init__(self, layout: DummyLayout) -> None:
        self.layout = layout
        self.points = PointStates({})

    def forget(self) -> None:
        self.points.clear()

    def mark_not_current(self, now: int, batch: WriteBatch) -> None:
        for point_id in self.layout.point_ids:
            self.points.lose(point_id, now, batch)


class DummyRecorder(LinkRecorder):
    kind = DUMMY_LINKS
    mapper: DummyMapper

    def answer(self) -> None:
        now = self._now()
        batch = WriteBatch()
        status = self._answered(now, batch)
        for point_id in self.mapper.layout.point_ids:
            self.mapper.points.update(point_id, 1.0, 0, now, batch)
        self._journal(batch, status._replace(polls=status.polls + 1))


class DummyLinks:
    def __init__(self, context: SourceContext) -> None:
        self._context = context
        self._recorders: dict[int, DummyRecorder] = {}

    def apply(self, config: DummySite, statuses: Mapping[int, LinkStatus]) -> None:
        context = self._context
        for link_id, name in config.links.items():
            if link_id in self._recorders:
                continue
            layout = DummyLayout(name, config.profile_id, config.point_ids)
            recorder = DummyRecorder(
                DummyMapper(layout),
                statuses.get(link_id) or LinkStatus.initial(link_id),
                context.append,
                context.metrics,
                context.wall_clock,
            )
            self._recorders[link_id] = recorder
            context.reactor.callLater(0, recorder.answer)

    def add_statuses(self, batch: WriteBatch) -> None:
        for recorder in self._recorders.values():
            recorder.add_status(batch)

    def hand_over(self, units: Collection[int]) -> None:
        for link_id in units:
            self._recorders.pop(link_id, None)

    def stop(self) -> list[Deferred[Any]]:
        for recorder in self._recorders.values():
            recorder.go_offline("poller stopping")
        return [succeed(None)]


class DummySource:
    name = "dummy"
    link_kind = DUMMY_LINKS
    lease_model = COMaster

    def load(self, profile: Profile, options: PollerOptions, names: Sequence[str]) -> DummySite:
        links = COMaster.objects.filter(profile=profile, name__startswith="DUMMY")
        points = Point.objects.filter(profile=profile, tag__in=ANSWERED_TAGS)
        return DummySite(
            links=dict(links.values_list("pk", "name")),
            point_ids=tuple(points.order_by("pk").values_list("pk", flat=True)),
            profile_id=profile.pk,
        )

    def run(self, context: SourceContext) -> DummyLinks:
        return DummyLinks(context)


class ElementMarker:
    """A batch processor: the screen elements of changed points get the batch's revision."""

    def __init__(self) -> None:
        self._tags: dict[int, str] = {}

    def configure(self, profile_id: int) -> None:
        self._tags = dict(Point.objects.filter(profile_id=profile_id).values_list("pk", "tag"))

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        from hmi.models import GraphicElement

        tags = [self._tags[point_id] for point_id in points if point_id in self._tags]
        GraphicElement.objects.filter(tag__in=tags).update(revision=revision, text=MARK)
