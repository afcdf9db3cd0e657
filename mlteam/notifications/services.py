"""Writes of the notifications app. Fan-out and deliveries run in the background workers
(``tasks``); everything a person or pipeline changes (reading, preferences, subscriptions,
redelivery) goes through a function here, audited where it decides who hears what."""

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mlteam.kernel import limits
from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.audit import audit_record
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import InvalidInput, NotAllowed, NotFound
from mlteam.kernel.events import EVENT_TYPES, event_type_of
from mlteam.notifications import delivery
from mlteam.notifications.models import (
    DeliveryAttempt,
    DeliveryState,
    EmailPreference,
    Notification,
    WebhookDelivery,
    WebhookSubscription,
)
from mlteam.notifications.payloads import event_payload, events_for_delivery
from mlteam.notifications.recipients import recipients_of
from mlteam.roster.models import MLTeamMember
from mlteam.roster.permissions import is_ml_lead

# Emailed unless a person turns them off: what asks something of them or answers them.
DEFAULT_EMAIL_EVENTS = [
    "promotion.requested",
    "promotion.approved",
    "promotion.rejected",
    "promotion.withdrawn",
]
# Six attempts over about an hour: at once, then after 1, 5, 10, 15 and 30 minutes.
RETRY_DELAYS = [timedelta(minutes=m) for m in (1, 5, 10, 15, 30)]
DISABLE_AFTER_FAILURES = 20
MAX_DESCRIPTION = limits.WEBHOOK_DESCRIPTION
MAX_URL = limits.URI


# --- Fan-out of one committed audit event ----------------------------------------------------


@dataclass(frozen=True)
class Dispatch:
    notifications: list[Notification]
    emails: list[int]  # notification ids to email
    deliveries: list[WebhookDelivery]


def event_dispatch(*, event_id: int) -> Dispatch:
    """Notify the people an event concerns and queue a delivery per interested subscription.

    Idempotent (a worker may run it twice after a crash): one notification per person and
    event, one delivery per subscription and event. Side effects (after commit): the emails
    and webhook deliveries are enqueued.
    """
    from mlteam.notifications import tasks

    event = events_for_delivery().filter(pk=event_id).first()
    event_type = event_type_of(event.action) if event else None
    if event_type is None:
        return Dispatch([], [], [])
    with transaction.atomic():
        notifications = _notify(event, event_type)
        emails = [n.pk for n in notifications if wants_email(n.recipient, event_type)]
        deliveries = _deliveries(event, event_type)
        for notification_id in emails:
            tasks.enqueue_on_commit(tasks.send_notification_email, notification_id=notification_id)
        for item in deliveries:
            tasks.enqueue_on_commit(tasks.deliver_webhook, delivery_id=item.pk)
    return Dispatch(notifications, emails, deliveries)


def _notify(event, event_type: str) -> list[Notification]:
    made = []
    for recipient in recipients_of(event, event_type):
        notification, created = Notification.objects.get_or_create(
            recipient=recipient.member,
            event=event,
            defaults={"event_type": event_type, "reason": recipient.reason, "created_at": event.at},
        )
        if created:
            made.append(notification)
    return made


def _deliveries(event, event_type: str) -> list[WebhookDelivery]:
    made = []
    for subscription in WebhookSubscription.objects.filter(active=True).order_by("id"):
        if not subscription.wants(event_type):
            continue
        item, created = WebhookDelivery.objects.get_or_create(
            message_id=f"msg_{event.pk}_{subscription.pk}",
            defaults={"subscription": subscription, "event": event, "event_type": event_type},
        )
        if created:
            made.append(item)
    return made


# --- In-app notifications and email preferences ----------------------------------------------


def notifications_mark_read(*, member: MLTeamMember, ids: list[int] | None = None) -> int:
    """Mark ``ids`` (or every unread notification) of ``member`` read; returns how many."""
    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def wants_email(member: MLTeamMember, event_type: str) -> bool:
    if not member.user.email:
        return False
    preference = EmailPreference.objects.filter(member=member).first()
    chosen = preference.events if preference else DEFAULT_EMAIL_EVENTS
    return event_type in chosen


def email_preferences_set(*, member: MLTeamMember, events: list[str]) -> EmailPreference:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            "unknown_event", f"Unknown event {', '.join(unknown)}; use {', '.join(EVENT_TYPES)}."
        )
    preference, _ = EmailPreference.objects.update_or_create(
        member=member, defaults={"events": sorted(set(events)), "updated_at": timezone.now()}
    )
    return preference


# --- Webhook subscriptions (ML leads) ---------------------------------------------------------


def _require_ml_lead(actor: MLTeamMember | None, doing: str) -> None:
    if not is_ml_lead(actor):
        raise NotAllowed("not_ml_lead", f"Only ML leads {doing}.")


def _clean_events(events) -> list[str]:
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise InvalidInput("invalid", "events is a list of event types.", field="events")
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            "unknown_event",
            f"Unknown event {', '.join(unknown)}; use {', '.join(EVENT_TYPES)} (none: every event).",
        )
    return sorted(set(events))


def _clean_url(url) -> str:
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput(
            "invalid_url", "Give the receiver's URL, e.g. https://ci.example.com/hook."
        )
    url = url.strip()
    limits.require_max_length("url", url, MAX_URL)
    delivery.check_url_form(url)
    return url


def _clean_description(text) -> str:
    text = (text or "").strip() if isinstance(text, str | type(None)) else None
    if text is None:
        raise InvalidInput("invalid", "description is text.", field="description")
    limits.require_max_length("description", text, MAX_DESCRIPTION)
    return text


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class CreatedWebhook:
    subscription: WebhookSubscription
    secret: str  # shown once, in the answer to the creation


def _audit_webhook(subscription, verb: str, actor, fields=()) -> None:
    audit_record(
        action=AuditAction.WEBHOOK_CHANGED,
        summary=f"{actor or 'system'} {verb} webhook {subscription.url}"
        + (f" ({', '.join(fields)})" if fields else ""),
        actor=actor,
        details={
            "webhook": subscription.pk,
            "verb": verb,
            "fields": list(fields),
            "creator": subscription.created_by_id,
        },
    )


def webhook_create(
    *, actor: MLTeamMember, url: str, events: list[str] | None = None, description: str = ""
) -> CreatedWebhook:
    """Subscribe a receiver. Side effects: AuditEvent ``webhook.changed`` (never the secret)."""
    _require_ml_lead(actor, "manage webhooks")
    cleaned = {
        "url": _clean_url(url),
        "events": _clean_events(events or []),
        "description": _clean_description(description),
    }
    secret = new_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            **cleaned, secret=secret, created_by=actor
        )
        _audit_webhook(subscription, "added", actor)
    return CreatedWebhook(subscription, secret)


def webhook_update(*, actor: MLTeamMember, subscription: WebhookSubscription, **changes):
    """Change ``active``, ``events``, ``url`` or ``description``; re-activating resets the
    failure count. Side effects: AuditEvent ``webhook.changed`` naming the fields."""
    _require_ml_lead(actor, "manage webhooks")
    cleaners = {
        "url": _clean_url,
        "events": _clean_events,
        "description": _clean_description,
        "active": _clean_active,
    }
    unknown = sorted(set(changes) - set(cleaners))
    if unknown:
        raise InvalidInput("invalid", f"Cannot change {', '.join(unknown)} of a webhook.")
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        changed = []
        for field, value in changes.items():
            value = cleaners[field](value)
            if getattr(subscription, field) != value:
                setattr(subscription, field, value)
                changed.append(field)
        if "active" in changed and subscription.active:
            subscription.consecutive_failures, subscription.disabled_reason = 0, ""
        if changed:
            subscription.save()
            _audit_webhook(subscription, "changed", actor, changed)
    return subscription


def _clean_active(value) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("invalid", "active is true or false.", field="active")
    return value


def webhook_delete(*, actor: MLTeamMember, subscription: WebhookSubscription) -> None:
    _require_ml_lead(actor, "manage webhooks")
    with transaction.atomic():
        _audit_webhook(subscription, "deleted", actor)
        subscription.delete()


def delivery_redeliver(
    *, actor: MLTeamMember, delivery_item: WebhookDelivery, reset_failures: bool = False
) -> WebhookDelivery:
    """Send a delivery again (a fresh round of attempts); ``reset_failures`` clears the
    subscription's failures in a row. Side effects: AuditEvent ``webhook.redelivered``, a delivery
    task."""
    from mlteam.notifications import tasks

    _require_ml_lead(actor, "redeliver webhooks")
    if not delivery_item.subscription.active:
        raise InvalidInput("webhook_inactive", "Activate the subscription before redelivering.")
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery_item.pk).update(
            state=DeliveryState.PENDING, next_attempt_at=None, round_start=F("attempts")
        )
        if reset_failures:
            WebhookSubscription.objects.filter(pk=delivery_item.subscription_id).update(
                consecutive_failures=0
            )
        audit_record(
            action=AuditAction.WEBHOOK_REDELIVERED,
            summary=f"{actor} sent {delivery_item.event_type} to "
            f"{delivery_item.subscription.url} again",
            actor=actor,
            details={
                "delivery": delivery_item.pk,
                "message_id": delivery_item.message_id,
                "reset_failures": reset_failures,
            },
        )
        tasks.enqueue_on_commit(tasks.deliver_webhook, delivery_id=delivery_item.pk)
    delivery_item.refresh_from_db()
    return delivery_item


# --- One delivery attempt (the worker) --------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    attempt: DeliveryAttempt
    state: str
    retry_at: object | None


def delivery_attempt(*, delivery_id: int) -> AttemptResult | None:
    """POST the event to the subscriber once and decide what comes next: delivered, a retry
    after the next delay, or failed. 20 failures in a row disable the subscription (audited,
    its creator notified). None when there is nothing to do (deleted, inactive, delivered)."""
    from mlteam.notifications import tasks

    item = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if item is None or not item.subscription.active or item.state == DeliveryState.DELIVERED:
        return None
    event = events_for_delivery().get(pk=item.event_id)
    outcome = delivery.send(
        item.subscription.url, item.subscription.secret, item.message_id, event_payload(event)
    )
    with transaction.atomic():
        item = WebhookDelivery.objects.select_for_update().get(pk=item.pk)
        subscription = WebhookSubscription.objects.select_for_update().get(pk=item.subscription_id)
        item.attempts += 1
        attempt = DeliveryAttempt.objects.create(
            delivery=item,
            number=item.attempts,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.response_excerpt,
            error=outcome.error[:300],
        )
        retry_at = None
        if outcome.delivered:
            item.state, item.next_attempt_at = DeliveryState.DELIVERED, None
            subscription.consecutive_failures = 0
        else:
            subscription.consecutive_failures += 1
            round_attempt = item.attempts - item.round_start
            if outcome.error.startswith("refused:"):
                item.state = DeliveryState.REFUSED
            elif outcome.retryable and round_attempt <= len(RETRY_DELAYS):
                retry_at = timezone.now() + RETRY_DELAYS[round_attempt - 1]
                item.state, item.next_attempt_at = DeliveryState.RETRYING, retry_at
                tasks.enqueue_on_commit(
                    tasks.deliver_webhook, run_after=retry_at, delivery_id=item.pk
                )
            else:
                item.state, item.next_attempt_at = DeliveryState.FAILED, None
        item.save()
        subscription.save(update_fields=["consecutive_failures"])
        if subscription.consecutive_failures >= DISABLE_AFTER_FAILURES:
            _disable(subscription)
    return AttemptResult(attempt, item.state, retry_at)


def _disable(subscription: WebhookSubscription) -> None:
    from mlteam.notifications import tasks

    reason = f"disabled after {subscription.consecutive_failures} failed deliveries in a row"
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, disabled_reason=reason
    )
    subscription.active, subscription.disabled_reason = False, reason
    event = audit_record(
        action=AuditAction.WEBHOOK_CHANGED,
        summary=f"system disabled webhook {subscription.url}: {reason}",
        actor=SYSTEM,
        details={
            "webhook": subscription.pk,
            "verb": "disabled",
            "creator": subscription.created_by_id,
        },
    )
    notification = Notification.objects.create(
        recipient=subscription.created_by,
        event=event,
        event_type="webhook.disabled",
        reason=f"Your webhook {subscription.url} was {reason}; fix the receiver and re-activate it.",
        created_at=event.at,
    )
    tasks.enqueue_on_commit(tasks.send_notification_email, notification_id=notification.pk)


def notification_for(member: MLTeamMember, pk: int) -> Notification:
    notification = Notification.objects.filter(recipient=member, pk=pk).first()
    if notification is None:
        raise NotFound("not_found", "No such notification.")
    return notification
