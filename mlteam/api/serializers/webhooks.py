from rest_framework import serializers

from mlteam.kernel.events import EVENT_TYPES
from mlteam.notifications.models import DeliveryAttempt, WebhookDelivery, WebhookSubscription


class WebhookSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.user.username", read_only=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        help_text="Event types delivered; empty: every event.",
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "events",
            "description",
            "active",
            "created_by",
            "created_at",
            "consecutive_failures",
            "disabled_reason",
        ]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (Standard Webhooks, `whsec_…`); shown only in this answer.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="https:// receiver URL, at most 2,048 characters.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False, default=list
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="At most 300 characters."
    )


class WebhookUpdateSerializer(serializers.Serializer):
    active = serializers.BooleanField(required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False
    )
    description = serializers.CharField(required=False, allow_blank=True)
    url = serializers.CharField(required=False)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "at", "status_code", "duration_ms", "response_excerpt", "error"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.IntegerField(source="event_id", read_only=True)
    log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_type",
            "message_id",
            "state",
            "attempts",
            "created_at",
            "next_attempt_at",
            "log",
        ]
        read_only_fields = fields


class RedeliverSerializer(serializers.Serializer):
    """The delivery named in the URL is sent again; ``reset_failures`` also clears the
    subscription's count of failures in a row (after fixing the receiver)."""

    reset_failures = serializers.BooleanField(required=False, default=False)
