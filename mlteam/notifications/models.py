"""In-app notifications, email preferences, webhook subscriptions and their delivery log."""

from django.db import models
from django.urls import reverse
from django.utils import timezone


class Notification(models.Model):
    """One audit event shown to one person ("N unread" and the notifications page)."""

    recipient = models.ForeignKey(
        "roster.MLTeamMember", on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey("kernel.AuditEvent", on_delete=models.DO_NOTHING, related_name="+")
    event_type = models.CharField(max_length=40)
    reason = models.CharField(max_length=200, help_text="Why this person is told.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="notification_once"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.event_type} for {self.recipient}"

    @property
    def link(self) -> str | None:
        """Where the person acts on it: the request, else the version, else the model."""
        event = self.event
        if event.promotion_id:
            return reverse("registry:promotion", args=[event.promotion_id])
        if event.artifact_id:
            return reverse(
                "registry:version", args=[event.artifact.model.name, event.artifact.version]
            )
        if event.model_id:
            return reverse("registry:model", args=[event.model.name])
        return None


class EmailPreference(models.Model):
    """Which events a person wants by email; no row means the defaults (DEFAULT_EMAIL_EVENTS)."""

    member = models.OneToOneField(
        "roster.MLTeamMember", on_delete=models.CASCADE, related_name="email_preference"
    )
    events = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"email preferences of {self.member}"


class WebhookSubscription(models.Model):
    """A receiver of signed event deliveries (Standard Webhooks), managed by ML leads."""

    url = models.URLField(max_length=2048)
    events = models.JSONField(default=list, help_text="Event types; empty means every event.")
    description = models.CharField(max_length=300, blank=True)
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "roster.MLTeamMember", on_delete=models.PROTECT, related_name="webhooks"
    )
    created_at = models.DateTimeField(default=timezone.now)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Refused (unsafe target)"


class WebhookDelivery(models.Model):
    """One event for one subscription, with its latest attempt (the log keeps every attempt)."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey("kernel.AuditEvent", on_delete=models.DO_NOTHING, related_name="+")
    event_type = models.CharField(max_length=40)
    message_id = models.CharField(max_length=60, unique=True)
    state = models.CharField(
        max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # ``attempts`` when the current round began: a redelivery gets the full retry schedule.
    round_start = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery}"
