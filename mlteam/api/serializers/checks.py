"""Organisation-check findings and rebalancing plans over the API."""

from rest_framework import serializers

from mlteam.registry.checks import CODES, SEVERITIES


class FindingSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(CODES))
    severity = serializers.ChoiceField(choices=list(SEVERITIES))
    subject = serializers.CharField()
    subject_url = serializers.CharField(help_text="Path of the page about the subject.")
    message = serializers.CharField()
    fix = serializers.CharField(help_text="How to fix it, in words.")
    fix_url = serializers.CharField(help_text="Path of the page where it is fixed.")
    team = serializers.CharField(help_text="Slug of the team concerned; empty: organisation-wide.")
    team_name = serializers.CharField()
    details = serializers.DictField()


class ChecksSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Per severity.")
    findings = FindingSerializer(many=True)


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    note = serializers.CharField()
    state = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")
    changes = serializers.ListField(child=serializers.DictField())
    created_by = serializers.CharField(source="created_by.username", default=None)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class PlanTeamSerializer(serializers.Serializer):
    team = serializers.CharField(source="team.slug")
    research_share_now = serializers.FloatField(source="now.research_share", allow_null=True)
    research_share_planned = serializers.FloatField(
        source="planned.research_share", allow_null=True
    )
    status_now = serializers.CharField(source="now.status")
    status_planned = serializers.CharField(source="planned.status")


class PlanDetailSerializer(PlanSerializer):
    descriptions = serializers.ListField(child=serializers.CharField())
    teams = PlanTeamSerializer(many=True)


class PlanApplySerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Why, for the audit trail (at most 5,000 characters).",
    )
