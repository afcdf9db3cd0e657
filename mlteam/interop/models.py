"""What an MLflow import remembers: which MLflow object became which of ours, and each import
run with its progress and summary.

``MlflowLink`` is what makes a second import add only what is new: an MLflow object (a
registered model, a version, an experiment, a run) of one tracking server is imported once.
"""

from django.db import models


class MlflowKind(models.TextChoices):
    MODEL = "model", "Registered model"
    VERSION = "version", "Model version"
    EXPERIMENT = "experiment", "Experiment"
    RUN = "run", "Run"


class MlflowLink(models.Model):
    tracking_uri = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=MlflowKind.choices)
    # model: its name; version: "name/version"; experiment: its id; run: its run id
    mlflow_id = models.CharField(max_length=500)
    model = models.ForeignKey(
        "registry.Model", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    artifact = models.ForeignKey(
        "registry.ModelArtifact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    experiment = models.ForeignKey(
        "tracking.Experiment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(
        "tracking.Run", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # what MLflow said at import time (stage, aliases…), shown on the import page
    details = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField()
    mlflow_import = models.ForeignKey(
        "interop.MlflowImport", null=True, on_delete=models.SET_NULL, related_name="links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tracking_uri", "kind", "mlflow_id"], name="mlflow_link_once"
            )
        ]

    def __str__(self) -> str:
        return f"MLflow {self.kind} {self.mlflow_id} ({self.tracking_uri})"


class ImportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


class MlflowImport(models.Model):
    """One run of ``import_mlflow``: progress while it runs, the summary after."""

    tracking_uri = models.CharField(max_length=300)
    team = models.ForeignKey("roster.Team", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey("roster.MLTeamMember", on_delete=models.PROTECT, related_name="+")
    only_models = models.JSONField(default=list, blank=True)
    dry_run = models.BooleanField(default=False)
    state = models.CharField(
        max_length=10, choices=ImportState.choices, default=ImportState.RUNNING
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"MLflow import #{self.pk} from {self.tracking_uri}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
