"""Teams, members and the research/production ratio (read-only over the API)."""

from rest_framework import serializers

from mlteam.roster.enums import Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Team


class TeamSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=TeamKind.choices)
    lead = serializers.CharField(source="lead.user.username", allow_null=True, default=None)
    member_count = serializers.IntegerField(help_text="Active members whose primary team it is.")
    target_research_share = serializers.FloatField(
        source="orientation_target.target_research_share", allow_null=True, default=None
    )
    target_tolerance = serializers.FloatField(
        source="orientation_target.tolerance", allow_null=True, default=None
    )

    class Meta:
        model = Team
        fields = [
            "slug",
            "name",
            "kind",
            "mission",
            "lead",
            "member_count",
            "target_research_share",
            "target_tolerance",
        ]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="display_name")
    role = serializers.CharField(source="role.name")
    is_ml_lead = serializers.BooleanField(source="role.is_ml_lead")
    orientation = serializers.ChoiceField(choices=Orientation.choices)
    team = serializers.CharField(source="team.slug")
    embedded_in = serializers.CharField(source="embedded_in.slug", allow_null=True, default=None)
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = MLTeamMember
        fields = [
            "username",
            "name",
            "role",
            "is_ml_lead",
            "orientation",
            "team",
            "embedded_in",
            "joined_on",
            "left_on",
            "active",
        ]
        read_only_fields = fields


class RatioRowSerializer(serializers.Serializer):
    team = serializers.CharField(source="team.slug", allow_null=True, default=None)
    team_name = serializers.CharField(source="team.name", allow_null=True, default=None)
    research = serializers.IntegerField()
    production = serializers.IntegerField()
    total = serializers.IntegerField()
    research_share = serializers.FloatField(allow_null=True)
    target_share = serializers.FloatField(allow_null=True)
    target_low = serializers.FloatField(allow_null=True)
    target_high = serializers.FloatField(allow_null=True)
    outside_target = serializers.BooleanField()
    status = serializers.CharField(help_text="below, above, within, no target or nobody.")


class RatioSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    overall = RatioRowSerializer()
    teams = RatioRowSerializer(many=True)
