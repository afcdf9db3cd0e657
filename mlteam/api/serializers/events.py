"""The append-only audit trail."""

from rest_framework import serializers

from mlteam.kernel.models import AuditEvent


class EventSerializer(serializers.ModelSerializer):
    action = serializers.CharField(help_text="Stable code, e.g. promotion.approved.")
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    model = serializers.CharField(source="model.name", allow_null=True, default=None)
    version = serializers.IntegerField(source="artifact.version", allow_null=True, default=None)
    promotion = serializers.IntegerField(source="promotion_id", allow_null=True)
    member = serializers.CharField(source="member.user.username", allow_null=True, default=None)
    team = serializers.CharField(source="team.slug", allow_null=True, default=None)
    details = serializers.DictField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "action",
            "summary",
            "actor",
            "from_state",
            "to_state",
            "model",
            "version",
            "promotion",
            "member",
            "team",
            "details",
        ]
        read_only_fields = fields
