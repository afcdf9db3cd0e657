"""Experiments, runs and logged metrics."""

from rest_framework import serializers

from mlteam.api.serializers.common import SafeJSONField, ScoreField
from mlteam.kernel import limits
from mlteam.tracking.enums import RunStatus
from mlteam.tracking.models import Experiment, Run, RunMetric

MAX_STEP = 2_147_483_647


class ExperimentSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.slug")
    owner = serializers.CharField(source="owner.user.username")
    run_count = serializers.IntegerField()

    class Meta:
        model = Experiment
        fields = [
            "id",
            "name",
            "team",
            "owner",
            "hypothesis",
            "description",
            "created_at",
            "run_count",
        ]
        read_only_fields = fields


class ExperimentCreateSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=f"At most {limits.NAME} characters.")
    team = serializers.SlugField(max_length=120, help_text="Slug of the team running it.")
    hypothesis = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class RunSerializer(serializers.ModelSerializer):
    experiment = serializers.PrimaryKeyRelatedField(read_only=True)
    status = serializers.ChoiceField(choices=RunStatus.choices)
    started_by = serializers.CharField(
        source="started_by.user.username", allow_null=True, default=None
    )
    params = serializers.DictField()
    tags = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Run
        fields = [
            "id",
            "experiment",
            "name",
            "status",
            "params",
            "tags",
            "git_commit",
            "notes",
            "started_by",
            "started_at",
            "ended_at",
        ]
        read_only_fields = fields


class RunStartSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=f"At most {limits.NAME} characters.")
    params = SafeJSONField(required=False, default=dict, help_text="Hyper-parameters (an object).")
    tags = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=50
    )
    git_commit = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_params(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("params must be a JSON object.")
        return value


class RunMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = RunMetric
        fields = ["key", "step", "value", "logged_at"]
        read_only_fields = fields


class MetricLogResultSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    key = serializers.CharField()
    logged = RunMetricSerializer(many=True)


class PointSerializer(serializers.Serializer):
    step = serializers.IntegerField(min_value=0, max_value=MAX_STEP)
    value = ScoreField()


class MetricLogSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=f"At most {limits.METRIC_KEY} characters.")
    points = PointSerializer(many=True, allow_empty=False, max_length=10_000)


class RunFinishSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[s for s in RunStatus.choices if s[0] != RunStatus.RUNNING],
        default=RunStatus.FINISHED,
    )
