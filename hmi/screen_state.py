"""What a screen shows: its elements' attributes, as of one revision.

Both the REST ``state`` endpoint and the live stream answer "what changed on this screen
after revision REV" with this module. The answer carries the latest committed revision R,
read in the same snapshot as the elements, so a client that asks again with ``since=R``
misses nothing and gets nothing twice. On PostgreSQL the poller takes an advisory lock
around each batch, so revisions commit in order and "all revisions up to R" is well defined.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypedDict

from django.db import connection, transaction
from django.db.models import Max

from hmi.models import GraphicElement
from hmi.palette import Palette
from poll.models import Revision

ELEMENT_FIELDS = ("tag", "text", "fill", "stroke", "mark", "current", "error")
MAX_REVISION = 2**63 - 1


class ElementState(TypedDict):
    tag: str
    text: str
    fill: int | None
    fill_color: str | None
    stroke: int | None
    stroke_color: str | None
    mark: int | None
    current: bool
    error: str


class ScreenState(TypedDict):
    revision: int
    elements: list[ElementState]


def parse_revision(raw: str) -> int | None:
    """A revision (or id) written as text: a whole number from 0 to ``MAX_REVISION``, the
    most the database holds, or None. The length is checked before ``int()``, which refuses
    numbers of more than 4,300 digits with an error instead of an answer."""
    digits = raw.lstrip("0") or raw[:1]
    if digits.isascii() and digits.isdigit() and len(digits) <= len(str(MAX_REVISION)):
        number = int(digits)
        return number if number <= MAX_REVISION else None
    return None


def revision_error(name: str, raw: str) -> str:
    """The message of a 400 for a revision (or id) parameter ``parse_revision`` refused."""
    return f"{name}={raw[:40]!r} is not a revision: give a whole number from 0 to {MAX_REVISION}."


def latest_revision() -> int:
    """The newest committed revision (0 before the first batch)."""
    return Revision.objects.aggregate(latest=Max("id"))["latest"] or 0


def touched_screens(
    screen_ids: Iterable[int], profile_ids: Iterable[int], after: int
) -> tuple[set[int], int]:
    """Which of these screens have an element changed after revision ``after``, and the
    latest revision, read in one snapshot: the live streams' one check per revision,
    whatever the number of streams (an element of several screens touches each)."""
    with consistent_snapshot():
        latest = latest_revision()
        links = GraphicElement.screens.through.objects.filter(
            screen_id__in=list(screen_ids),
            graphicelement__profile_id__in=list(profile_ids),
            graphicelement__revision__gt=after,
        )
        touched = set(links.values_list("screen_id", flat=True).distinct())
    return touched, latest


def read_state(screen_id: int, profile_id: int, since: int | None = None) -> ScreenState:
    """Every element of the screen, or with ``since`` only those changed after it.

    A ``since`` beyond the latest revision (a client that saw a database that has since
    been restored) gets every element, as if it had none.
    """
    with consistent_snapshot():
        revision = latest_revision()
        elements = GraphicElement.objects.filter(screens=screen_id)
        if since is not None and since <= revision:
            elements = elements.filter(revision__gt=since)
        rows = list(elements.order_by("tag").values(*ELEMENT_FIELDS))
        palette = Palette.of(profile_id)
    return {"revision": revision, "elements": [_element(row, palette) for row in rows]}


def _element(row: dict[str, Any], palette: Palette) -> ElementState:
    return {
        "tag": row["tag"],
        "text": row["text"],
        "fill": row["fill"],
        "fill_color": palette.css(row["fill"]),
        "stroke": row["stroke"],
        "stroke_color": palette.css(row["stroke"]),
        "mark": row["mark"],
        "current": row["current"],
        "error": row["error"],
    }


@contextmanager
def consistent_snapshot() -> Iterator[None]:
    """One read-only snapshot for several queries.

    SQLite's transactions are snapshots already. PostgreSQL's default isolation gives each
    statement its own snapshot, so a new transaction is made REPEATABLE READ. Inside an
    enclosing transaction the snapshot is that transaction's.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
