"""Handoff protocols, benchmarks and leaderboards (read-only over the API)."""

from rest_framework import serializers

from mlteam.evals.models import Benchmark
from mlteam.kernel.enums import Stage
from mlteam.registry.enums import Comparator, CriterionKind
from mlteam.registry.models import GateCriterion, HandoffProtocol


class CriterionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=CriterionKind.choices)
    benchmark = serializers.CharField(source="benchmark.slug", allow_null=True, default=None)
    comparator = serializers.ChoiceField(choices=[("", "none"), *Comparator.choices])

    class Meta:
        model = GateCriterion
        fields = ["position", "kind", "statement", "benchmark", "comparator", "threshold"]


class ProtocolSerializer(serializers.ModelSerializer):
    from_stage = serializers.ChoiceField(choices=Stage.choices)
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    responsible_role = serializers.CharField(source="responsible_role.name")
    criteria = CriterionSerializer(many=True)

    class Meta:
        model = HandoffProtocol
        fields = [
            "id",
            "name",
            "description",
            "from_stage",
            "to_stage",
            "responsible_role",
            "allow_owner_approval",
            "required_approvals",
            "active",
            "criteria",
        ]
        read_only_fields = fields


class BenchmarkSerializer(serializers.ModelSerializer):
    owner_team = serializers.CharField(source="owner_team.slug")

    class Meta:
        model = Benchmark
        fields = [
            "slug",
            "name",
            "description",
            "metric",
            "unit",
            "higher_is_better",
            "dataset_version",
            "owner_team",
        ]
        read_only_fields = fields


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    model = serializers.CharField(source="artifact.model.name")
    version = serializers.IntegerField(source="artifact.version")
    status = serializers.ChoiceField(choices=Stage.choices, source="artifact.status")
    team = serializers.CharField(source="artifact.model.team.slug")
    value = serializers.FloatField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(
        source="recorded_by.user.username", allow_null=True, default=None
    )


class LeaderboardSerializer(serializers.Serializer):
    benchmark = BenchmarkSerializer()
    results = LeaderboardRowSerializer(many=True)
