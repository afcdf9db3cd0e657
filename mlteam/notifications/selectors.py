"""Reads of the notifications app, ready-joined for the page, the badge and the API."""

from django.db.models import QuerySet

from mlteam.notifications.models import (
    DeliveryAttempt,
    Notification,
    WebhookDelivery,
    WebhookSubscription,
)
from mlteam.roster.models import MLTeamMember


def notifications_of(member: MLTeamMember, *, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient=member).select_related(
        "event__model", "event__artifact__model", "event__promotion"
    )
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(member: MLTeamMember) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


def webhooks() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.select_related("created_by__user").order_by("id")


def deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return subscription.deliveries.prefetch_related("log").order_by("-created_at", "-id")


def attempts_of(delivery: WebhookDelivery) -> QuerySet[DeliveryAttempt]:
    return delivery.log.order_by("number")
