"""What the historian keeps beside the poller's raw samples: rollups, and the runs of the
scheduled jobs."""

from __future__ import annotations

from django.db import models

from poll.models import Point


class Rollup(models.Model):
    """One bucket of one point's samples at one resolution.

    The bucket's statistics are its own: a sample's value holds until the next sample or
    the bucket's end, whichever comes first, so a bucket is computed from its samples alone
    (and recomputed alone when a late sample lands in it). ``min``, ``max`` and ``avg`` (time
    weighted) take only good samples (quality normal, a value); ``good`` is the share of the
    covered time (from the first sample to the bucket's end) with such a value. The hour and
    day buckets are computed from the 15 min ones, which ``last_good`` makes exact.
    """

    class Resolution(models.TextChoices):
        MINUTE = "1min", "1 minute"
        QUARTER = "15min", "15 minutes"
        HOUR = "1h", "1 hour"
        DAY = "1d", "1 day"

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="+")
    resolution = models.CharField(max_length=5, choices=Resolution.choices)
    start = models.DateTimeField()
    min = models.FloatField(null=True)
    max = models.FloatField(null=True)
    avg = models.FloatField(null=True)
    first = models.FloatField(null=True)
    last = models.FloatField(null=True)
    count = models.PositiveIntegerField()
    good = models.FloatField(help_text="Share of the covered time with a good value, 0 to 1.")
    covered = models.FloatField(help_text="Seconds from the first sample to the bucket's end.")
    last_good = models.BooleanField(
        null=True, help_text="Whether the last sample is good (unknown for older rows)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["point", "resolution", "start"], name="rollup_point_resolution_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.point_id} {self.resolution} {self.start}"


class JobRun(models.Model):
    """One run of a scheduled job; the last successful one says when the next is due."""

    name = models.CharField(max_length=60)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    ok = models.BooleanField(default=False)
    detail = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["name", "-started_at"], name="jobrun_name_started")]

    def __str__(self) -> str:
        return f"{self.name} at {self.started_at}"


class JobLock(models.Model):
    """A job's lease: whoever holds it until ``until`` runs the job, nobody else (the same
    on PostgreSQL and SQLite; a crashed holder's lease simply runs out)."""

    name = models.CharField(max_length=60, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'}"


class Progress(models.Model):
    """How far a job has read a growing table (e.g. the last sample id rolled up)."""

    name = models.CharField(max_length=60, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"
