"""Experiment tracking, so an experiment outlives the notebook it started in."""

from django.db import models
from django.db.models import Q
from django.urls import reverse

from mlteam.evals.models import FINITE
from mlteam.tracking.enums import RunStatus


class Experiment(models.Model):
    name = models.CharField(max_length=160)
    team = models.ForeignKey("roster.Team", on_delete=models.PROTECT, related_name="experiments")
    owner = models.ForeignKey(
        "roster.MLTeamMember", on_delete=models.PROTECT, related_name="experiments"
    )
    hypothesis = models.TextField(blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="experiment_name_unique_in_team")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracking:experiment", kwargs={"pk": self.pk})


class Run(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.PROTECT, related_name="runs")
    name = models.CharField(max_length=160)
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING, db_index=True
    )
    params = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    git_commit = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    started_by = models.ForeignKey(
        "roster.MLTeamMember", null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="run_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.experiment.name} / {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("tracking:run", kwargs={"pk": self.pk})


class RunMetric(models.Model):
    """One logged value of a metric at a training step."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="metrics")
    key = models.CharField(max_length=80)
    step = models.PositiveIntegerField(default=0)
    value = models.FloatField()
    logged_at = models.DateTimeField()

    class Meta:
        ordering = ["run", "key", "step"]
        constraints = [
            models.CheckConstraint(condition=FINITE, name="run_metric_value_finite"),
            models.UniqueConstraint(fields=["run", "key", "step"], name="run_metric_step_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.step}={self.value}"
