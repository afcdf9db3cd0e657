"""Models, versions, eval results and promotion requests as the API shows and accepts them.

Serializers only shape data: every write goes through ``mlteam.registry.services`` and friends.
``status`` and ``state`` are read-only everywhere.
"""

from rest_framework import serializers

from mlteam.api.serializers.common import MAX_ID, ScoreField
from mlteam.evals.models import EvalResult
from mlteam.kernel import limits
from mlteam.kernel.enums import Stage
from mlteam.registry.enums import CriterionKind, PromotionState
from mlteam.registry.models import Model, ModelArtifact, PromotionRequest


class ModelSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    latest_version = serializers.IntegerField(source="last_version", read_only=True)
    production_version = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The version in production now, if any."
    )

    class Meta:
        model = Model
        fields = [
            "name",
            "description",
            "team",
            "team_name",
            "task",
            "latest_version",
            "production_version",
            "created_at",
            "updated_at",
        ]


class ModelCreateSerializer(serializers.Serializer):
    """Text is passed on as sent: the registry applies the name rule and the length limits
    (``invalid_name``, ``too_long``), so the API, the admin and the CLI refuse alike."""

    name = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        help_text=f"Lowercase letters, digits and hyphens, at most {limits.NAME} characters; "
        "anything else is refused with `invalid_name` (never rewritten).",
    )
    team = serializers.SlugField(max_length=120, help_text="Slug of the owning team.")
    task = serializers.CharField(help_text=f"At most {limits.TASK} characters.")
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"At most {limits.DESCRIPTION:,} characters.",
    )


class VersionSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)
    owner = serializers.CharField(source="owner.user.username", read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    source_run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(
        choices=Stage.choices,
        read_only=True,
        help_text="Changes only through an approved promotion.",
    )
    card_missing_sections = serializers.ListField(
        child=serializers.CharField(),
        source="card.missing_sections",
        read_only=True,
        help_text="Required model card sections still empty (what the card-complete gate checks).",
    )

    class Meta:
        model = ModelArtifact
        fields = [
            "model",
            "version",
            "status",
            "owner",
            "owner_name",
            "artifact_uri",
            "description",
            "source_run",
            "created_at",
            "status_changed_at",
            "card_missing_sections",
        ]


class ScoreSerializer(serializers.Serializer):
    benchmark = serializers.CharField(source="benchmark.slug")
    benchmark_name = serializers.CharField(source="benchmark.name")
    value = serializers.FloatField()
    unit = serializers.CharField(source="benchmark.unit")
    higher_is_better = serializers.BooleanField(source="benchmark.higher_is_better")
    recorded_at = serializers.DateTimeField()


class VersionDetailSerializer(VersionSerializer):
    eval_scores = ScoreSerializer(
        many=True,
        read_only=True,
        help_text="The latest result per benchmark (the seed's eval_scores).",
    )
    pending_promotion = serializers.IntegerField(read_only=True, allow_null=True)
    next_stages = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Stages an active handoff protocol leads to from the current status.",
    )

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "eval_scores", "pending_promotion", "next_stages"]


class VersionRegisterSerializer(serializers.Serializer):
    artifact_uri = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"At most {limits.URI:,} characters.",
    )
    run = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of the training run.",
    )
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"At most {limits.DESCRIPTION:,} characters.",
    )


class VersionPatchSerializer(serializers.Serializer):
    """Only the description of a registered version changes; any other field is refused
    (``version_immutable``, ``status_read_only``)."""

    description = serializers.CharField(required=False, allow_blank=True)


class EvalResultSerializer(serializers.ModelSerializer):
    benchmark = serializers.CharField(source="benchmark.slug", read_only=True)
    recorded_by = serializers.CharField(
        source="recorded_by.user.username", read_only=True, allow_null=True, default=None
    )
    run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = EvalResult
        fields = ["id", "benchmark", "value", "recorded_by", "recorded_at", "run", "note"]


class EvalRecordSerializer(serializers.Serializer):
    benchmark = serializers.CharField(max_length=80, help_text="Slug of a shared benchmark.")
    value = ScoreField(
        help_text='A finite JSON number; text (even "0.97"), true/false, NaN and infinity '
        "are refused with `invalid_value`."
    )
    run = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=f"At most {limits.LINE} characters."
    )


class ApprovalSerializer(serializers.Serializer):
    """One gate owner's approval, with the checklist verdicts as they stood then."""

    approver = serializers.CharField(source="approver.user.username")
    at = serializers.DateTimeField()
    note = serializers.CharField()
    verdicts = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per checklist item: item, statement, satisfied, explanation, observed.",
    )


class PromotionSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="artifact.model.name", read_only=True)
    version = serializers.IntegerField(source="artifact.version", read_only=True)
    state = serializers.ChoiceField(choices=PromotionState.choices, read_only=True)
    from_stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    to_stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    responsible_role = serializers.CharField(source="responsible_role.name", read_only=True)
    requested_by = serializers.CharField(source="requested_by.user.username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.user.username", read_only=True, allow_null=True, default=None
    )
    required_approvals = serializers.IntegerField(
        read_only=True,
        help_text="How many distinct gate owners must approve (K of N), as when it was requested.",
    )
    approvals = ApprovalSerializer(
        many=True, read_only=True, help_text="The approvals so far, oldest first."
    )

    class Meta:
        model = PromotionRequest
        fields = [
            "id",
            "model",
            "version",
            "from_stage",
            "to_stage",
            "state",
            "responsible_role",
            "allow_owner_approval",
            "required_approvals",
            "approvals",
            "requested_by",
            "requested_at",
            "note",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class CheckSerializer(serializers.Serializer):
    """One checklist item with its verdict (live while pending, frozen once approved)."""

    item = serializers.IntegerField(source="item.position", help_text="Use it in checks/{item}/.")
    kind = serializers.ChoiceField(choices=CriterionKind.choices, source="item.kind")
    statement = serializers.CharField(source="item.statement")
    benchmark = serializers.CharField(source="item.benchmark.slug", allow_null=True, default=None)
    comparator = serializers.CharField(source="item.comparator")
    threshold = serializers.FloatField(source="item.threshold", allow_null=True)
    ticked = serializers.BooleanField(source="item.ticked")
    evidence = serializers.CharField(source="item.evidence")
    ticked_by = serializers.CharField(
        source="item.ticked_by.user.username", allow_null=True, default=None
    )
    ticked_at = serializers.DateTimeField(source="item.ticked_at", allow_null=True)
    satisfied = serializers.BooleanField()
    explanation = serializers.CharField()
    observed = serializers.FloatField(allow_null=True)
    missing_sections = serializers.ListField(child=serializers.CharField())


class PromotionDetailSerializer(PromotionSerializer):
    checklist = CheckSerializer(many=True, read_only=True)

    class Meta(PromotionSerializer.Meta):
        fields = [*PromotionSerializer.Meta.fields, "checklist"]


class PromotionRequestSerializer(serializers.Serializer):
    to_stage = serializers.CharField(
        max_length=40, help_text="Target stage: " + ", ".join(Stage.values) + "."
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"At most {limits.NOTE:,} characters.",
    )


class TickSerializer(serializers.Serializer):
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"A sentence or a link (required to tick); at most {limits.NOTE:,} characters.",
    )
    ticked = serializers.BooleanField(
        required=False, default=True, help_text="false removes your sign-off from the item."
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"At most {limits.NOTE:,} characters.",
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        help_text=f"Why the request is turned down; at most {limits.NOTE:,} characters.",
    )


class ProductionSerializer(serializers.Serializer):
    model = serializers.CharField()
    at = serializers.DateTimeField()
    version = VersionSerializer(allow_null=True, help_text="null: nothing was in production then.")
