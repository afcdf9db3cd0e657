"""The model registry: models, their versions (``ModelArtifact``) and the handoff gates.

``status`` is written only by ``mlteam.registry.services``; the set of active
``HandoffProtocol`` rows *is* the lifecycle state machine.
"""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from mlteam.kernel.enums import Stage
from mlteam.registry.enums import Comparator, CriterionKind, PromotionState

# K of a K-of-N gate: how many distinct gate owners must approve. More than this many sign-offs
# is a typo rather than a policy (and could never be met by most teams).
MAX_REQUIRED_APPROVALS = 10


class Model(models.Model):
    """A model the team offers, e.g. ``support-intent-classifier``; versions are its artifacts."""

    name = models.SlugField(
        max_length=120, unique=True, help_text="Lowercase letters, digits and dashes; used in URLs."
    )
    description = models.TextField(blank=True)
    team = models.ForeignKey(
        "roster.Team", on_delete=models.PROTECT, related_name="models", help_text="Owning team."
    )
    task = models.CharField(max_length=80, db_index=True, help_text="e.g. text-classification.")
    # Server-side counter that hands out version numbers without gaps; only services touch it.
    last_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Last registry activity (new version, stage change); services keep it current.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:model", kwargs={"name": self.name})


class ModelArtifact(models.Model):
    """One version of a model, as in the seed: status, owner and (via evals) eval scores."""

    model = models.ForeignKey(Model, on_delete=models.PROTECT, related_name="artifacts")
    version = models.PositiveIntegerField(editable=False)
    status = models.CharField(
        max_length=16, choices=Stage.choices, default=Stage.EXPERIMENTAL, editable=False
    )
    owner = models.ForeignKey(
        "roster.MLTeamMember", on_delete=models.PROTECT, related_name="owned_artifacts"
    )
    artifact_uri = models.CharField(max_length=2048, blank=True)  # kernel.limits.URI
    source_run = models.ForeignKey(
        "tracking.Run",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="artifacts",
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)
    status_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["model__name", "-version"]
        verbose_name = "model artifact"
        constraints = [
            models.UniqueConstraint(fields=["model", "version"], name="artifact_version_unique"),
            models.UniqueConstraint(
                fields=["model"],
                condition=Q(status=Stage.PRODUCTION),
                name="artifact_one_production_per_model",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Stage.values), name="artifact_status_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="artifact_version_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "model"]),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse(
            "registry:version", kwargs={"name": self.model.name, "version": self.version}
        )

    def delete(self, *args, **kwargs):
        raise PermissionError("Model artifacts are never deleted; deprecate the version instead.")


class HandoffProtocol(models.Model):
    """The gate for one transition (from_stage → to_stage), signed off by a named role."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    responsible_role = models.ForeignKey(
        "roster.Role", on_delete=models.PROTECT, related_name="protocols"
    )
    allow_owner_approval = models.BooleanField(
        default=False,
        help_text="Whether the artifact's owner may sign off (never their own request).",
    )
    required_approvals = models.PositiveSmallIntegerField(
        default=1,
        help_text="How many distinct gate owners must approve (K of N); the stage changes when "
        f"the last of them approves. 1 to {MAX_REQUIRED_APPROVALS}.",
    )
    active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["from_stage", "to_stage", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_stage", "to_stage"],
                condition=Q(active=True),
                name="protocol_one_active_per_transition",
            ),
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")), name="protocol_changes_stage"
            ),
            models.CheckConstraint(
                condition=Q(required_approvals__gte=1), name="protocol_required_approvals_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.from_stage} → {self.to_stage})"

    @property
    def transition_label(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class GateCriterion(models.Model):
    """One item of a protocol's gate: a manual statement, a metric threshold or "card complete"."""

    protocol = models.ForeignKey(HandoffProtocol, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=CriterionKind.choices)
    statement = models.CharField(max_length=255)
    benchmark = models.ForeignKey(
        "evals.Benchmark", null=True, blank=True, on_delete=models.PROTECT, related_name="criteria"
    )
    comparator = models.CharField(max_length=3, choices=Comparator.choices, blank=True)
    threshold = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["protocol", "position", "id"]
        verbose_name_plural = "gate criteria"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=CriterionKind.METRIC)
                | (Q(benchmark__isnull=False) & Q(threshold__isnull=False) & ~Q(comparator="")),
                name="criterion_metric_complete",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CriterionKind.values), name="criterion_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.statement


class PromotionRequest(models.Model):
    """A request to move an artifact through one protocol's gate, with its checklist snapshot."""

    artifact = models.ForeignKey(ModelArtifact, on_delete=models.PROTECT, related_name="promotions")
    protocol = models.ForeignKey(
        HandoffProtocol, on_delete=models.PROTECT, related_name="promotions"
    )
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    # The role is snapshotted so that editing the protocol never rewrites who had to sign.
    responsible_role = models.ForeignKey("roster.Role", on_delete=models.PROTECT, related_name="+")
    allow_owner_approval = models.BooleanField(default=False)
    # Snapshotted like the role: a protocol edit never changes how many sign-offs a request needs.
    required_approvals = models.PositiveSmallIntegerField(default=1, editable=False)
    # For promotions to production: the version in production when the request was made.
    # Approval refuses if production changed since, so of two racing promotions one wins.
    replaces = models.ForeignKey(
        ModelArtifact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    requested_by = models.ForeignKey(
        "roster.MLTeamMember", on_delete=models.PROTECT, related_name="promotion_requests"
    )
    requested_at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    state = models.CharField(
        max_length=16,
        choices=PromotionState.choices,
        default=PromotionState.PENDING,
        editable=False,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        "roster.MLTeamMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promotion_decisions",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["artifact"],
                condition=Q(state=PromotionState.PENDING),
                name="promotion_one_pending_per_artifact",
            ),
            models.CheckConstraint(
                condition=Q(state__in=PromotionState.values), name="promotion_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(required_approvals__gte=1), name="promotion_required_approvals_positive"
            ),
        ]
        indexes = [models.Index(fields=["state", "responsible_role"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.artifact} {self.from_stage} → {self.to_stage}"

    def get_absolute_url(self) -> str:
        return reverse("registry:promotion", kwargs={"pk": self.pk})

    @property
    def is_pending(self) -> bool:
        return self.state == PromotionState.PENDING


class PromotionApproval(models.Model):
    """One gate owner's approval of a request, with the checklist verdicts as they stood then.

    A request needs ``required_approvals`` of them from distinct gate owners; the engine writes
    each one and changes the request's state when the last one lands, in the same transaction.
    """

    request = models.ForeignKey(
        PromotionRequest, on_delete=models.PROTECT, related_name="approvals"
    )
    approver = models.ForeignKey(
        "roster.MLTeamMember", on_delete=models.PROTECT, related_name="promotion_approvals"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    # [{"item": position, "statement", "satisfied", "explanation", "observed"}, ...]
    verdicts = models.JSONField(default=list)

    class Meta:
        ordering = ["request", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "approver"], name="approval_one_per_approver"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.request_id} approved by {self.approver} at {self.at:%Y-%m-%d %H:%M}"


class ChecklistItem(models.Model):
    """A gate criterion copied into a request when it was made, plus its sign-off or evaluation."""

    request = models.ForeignKey(PromotionRequest, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=CriterionKind.choices)
    statement = models.CharField(max_length=255)
    benchmark = models.ForeignKey(
        "evals.Benchmark", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comparator = models.CharField(max_length=3, choices=Comparator.choices, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    # Manual items: the gate owner's tick and evidence.
    ticked = models.BooleanField(default=False)
    evidence = models.TextField(blank=True)
    ticked_by = models.ForeignKey(
        "roster.MLTeamMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ticked_at = models.DateTimeField(null=True, blank=True)
    # Metric and card items: the evaluation frozen at decision time.
    observed_value = models.FloatField(null=True, blank=True)
    satisfied_at_decision = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="checklist_item_position"),
        ]

    def __str__(self) -> str:
        return self.statement


class StageTransition(models.Model):
    """One step of a version's stage history, written by the handoff engine in the transaction
    that takes it: the registration (``from_stage`` blank, into experimental) and every stage
    change since, with the request that moved it (and, when a promotion pushed the previous
    production version out, the version that superseded it)."""

    artifact = models.ForeignKey(
        ModelArtifact, on_delete=models.PROTECT, related_name="transitions"
    )
    # The artifact's model (fixed for life), so "which version of M was in production at T"
    # reads one index.
    model = models.ForeignKey(Model, on_delete=models.PROTECT, related_name="transitions")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    at = models.DateTimeField()
    request = models.ForeignKey(
        PromotionRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transitions",
    )
    superseded_by = models.ForeignKey(
        ModelArtifact, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_stage__in=Stage.values), name="transition_to_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(from_stage__in=[*Stage.values, ""]),
                name="transition_from_stage_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")), name="transition_changes_stage"
            ),
        ]
        indexes = [
            models.Index(fields=["artifact", "at"], name="transition_artifact_at"),
            models.Index(
                fields=["model", "at"],
                condition=Q(to_stage=Stage.PRODUCTION) | Q(from_stage=Stage.PRODUCTION),
                name="transition_production_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artifact} {self.from_stage or 'registered'} → {self.to_stage}"

    @property
    def is_registration(self) -> bool:
        return not self.from_stage

    @property
    def reason(self) -> str:
        """Why the version moved, as the audit trail words it ("" for its registration)."""
        if self.superseded_by_id is not None:
            return f"superseded by v{self.superseded_by.version}"
        return f"request #{self.request_id}" if self.request_id is not None else ""


class CheckSnapshot(models.Model):
    """How many organisation-check findings of one code there were on one day (the trend on
    /checks/). Written by ``manage.py checks_snapshot``, once a day."""

    day = models.DateField()
    code = models.CharField(max_length=40)
    high = models.PositiveIntegerField(default=0)
    medium = models.PositiveIntegerField(default=0)
    low = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "code"]
        constraints = [
            models.UniqueConstraint(fields=["day", "code"], name="check_snapshot_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.code}: {self.total}"

    @property
    def total(self) -> int:
        return self.high + self.medium + self.low
