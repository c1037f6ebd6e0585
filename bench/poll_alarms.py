"""Alarms for the poller bench (``python -m bench.poll --alarms``): one on every AI and DI
of the bench's COMasters, so the poller's CPU and lateness with alarms can be set against a
run without them.

Each AI gets an H limit a little above the value its simulated raw count wanders around
(2000 x 0.1), with a deadband, so a few of them come and go; each DI a digital alarm on 1,
so every simulated DI event is an alarm transition. The report tells how many transitions
the run stored, for the load they put on the poller.
"""

from __future__ import annotations

AI_SETPOINT = 200.5
AI_DEADBAND = 0.2
PRIORITIES = ("low", "medium", "high")


def define(profile_name: str) -> int:
    """Alarm definitions on every AI and DI of the profile; answers how many."""
    from alarms.models import AlarmDefinition
    from poll.models import Point

    points = Point.objects.filter(profile__name=profile_name, kind__in=("ai", "di")).values_list(
        "pk", "profile_id", "kind", "tag"
    )
    definitions = [
        AlarmDefinition(
            profile_id=profile_id,
            point_id=pk,
            tag=f"{tag}_{'H' if kind == 'ai' else 'ON'}",
            kind="h" if kind == "ai" else "digital",
            setpoint=AI_SETPOINT if kind == "ai" else 1.0,
            deadband=AI_DEADBAND if kind == "ai" else 0.0,
            priority=PRIORITIES[n % len(PRIORITIES)],
            message="{tag}: {value} {unit}",
        )
        for n, (pk, profile_id, kind, tag) in enumerate(points)
    ]
    AlarmDefinition.objects.bulk_create(definitions, batch_size=5000)
    return len(definitions)


def report(definitions: int) -> str:
    """The alarms' part of the report: how many, and the transitions stored."""
    from alarms.models import Alarm, AlarmTransition

    transitions = AlarmTransition.objects.count()
    active = Alarm.objects.filter(active=True).count()
    return (
        f"alarms: {definitions:,} definitions (H on every AI, digital on every DI); "
        f"{transitions:,} transitions stored by the poller, {active:,} active at the end"
    )
