"""The shared evaluation framework: one set of benchmarks, measured one way for everyone."""

import sys

from django.db import models
from django.db.models import Q
from django.urls import reverse

# Finite floats only: NaN fails both bounds on PostgreSQL (NaN sorts above every number) and
# becomes NULL on SQLite (rejected by NOT NULL); infinities fall outside the bounds everywhere.
FINITE = Q(value__gte=-sys.float_info.max) & Q(value__lte=sys.float_info.max)


class Benchmark(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    metric = models.CharField(max_length=80, help_text="e.g. accuracy, p99 latency.")
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, ms.")
    higher_is_better = models.BooleanField(default=True)
    dataset_version = models.CharField(max_length=80, blank=True)
    owner_team = models.ForeignKey(
        "roster.Team", on_delete=models.PROTECT, related_name="benchmarks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evals:benchmark", kwargs={"slug": self.slug})


class EvalResult(models.Model):
    """One measurement of an artifact on a benchmark. History is kept; the latest counts."""

    artifact = models.ForeignKey(
        "registry.ModelArtifact", on_delete=models.PROTECT, related_name="eval_results"
    )
    benchmark = models.ForeignKey(Benchmark, on_delete=models.PROTECT, related_name="results")
    value = models.FloatField()
    recorded_by = models.ForeignKey(
        "roster.MLTeamMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_index=True)
    run = models.ForeignKey(
        "tracking.Run",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="eval_results",
    )
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [models.CheckConstraint(condition=FINITE, name="eval_value_finite")]
        indexes = [
            models.Index(fields=["artifact", "benchmark", "-recorded_at", "-id"]),
            models.Index(fields=["benchmark", "-recorded_at"]),
            models.Index(fields=["-recorded_at", "-id"], name="evalresult_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.artifact} {self.benchmark.slug}={self.value}"


class LatestResult(models.Model):
    """The latest result of one version on one benchmark: what leaderboards and pages rank.

    ``eval_record`` keeps it current in the result's own transaction, so reads never rank all
    history. "Latest" is the newest ``recorded_at``, then the highest id (a backdated result
    recorded now does not replace a newer measurement). ``value`` and ``recorded_at`` are
    copies of the result's, so a leaderboard sorts and counts this narrow table only.
    Bulk writers (demo scale, bench) fill it with ``latest_results_rebuild``.
    """

    # No single-column indexes: the (artifact, benchmark) unique constraint and the
    # (benchmark, value) rank index lead with these columns, and bulk seeds insert 1M rows.
    artifact = models.ForeignKey(
        "registry.ModelArtifact",
        on_delete=models.PROTECT,
        related_name="latest_results",
        db_index=False,
    )
    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.PROTECT, related_name="latest_results", db_index=False
    )
    result = models.OneToOneField(EvalResult, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField()
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "benchmark"], name="latest_result_one_per_pair"
            )
        ]
        # Rank order (either direction scans it) and "how many are better" counts.
        indexes = [models.Index(fields=["benchmark", "value"], name="latest_result_rank")]

    def __str__(self) -> str:
        return f"{self.artifact_id}/{self.benchmark_id}: {self.value}"

    # The leaderboard's rows are LatestResults; these read through to the measurement.
    @property
    def run_id(self):
        return self.result.run_id

    @property
    def recorded_by(self):
        return self.result.recorded_by
