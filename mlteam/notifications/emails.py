"""The email of one notification: a text and an HTML part from templates, with links back to
the page where the person acts. Sent through Django's email backend (console in the demo,
SMTP in production)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from mlteam.notifications.models import Notification
from mlteam.notifications.payloads import event_payload, events_for_delivery

SUBJECTS = {
    "promotion.requested": "[mlteam] {model} v{version} waits for your sign-off ({from_stage} → {to_stage})",
    "promotion.approved": "[mlteam] Approved: {model} v{version} → {to_stage}",
    "promotion.rejected": "[mlteam] Rejected: {model} v{version} → {to_stage}",
    "promotion.withdrawn": "[mlteam] Withdrawn: {model} v{version} → {to_stage}",
    "version.stage_changed": "[mlteam] {model} v{version} is now {to_stage}",
    "webhook.disabled": "[mlteam] A webhook subscription was disabled",
}


def _subject(event_type: str, payload: dict) -> str:
    data = payload["data"]
    values = {
        "model": data.get("model", {}).get("name", ""),
        "version": data.get("version", {}).get("number", ""),
        "from_stage": data.get("from_stage") or "",
        "to_stage": data.get("to_stage") or "",
    }
    template = SUBJECTS.get(event_type, "[mlteam] {summary}")
    return template.format(summary=payload["summary"], **values)[:200]


def notification_email_send(*, notification_id: int) -> bool:
    """Send it once (``emailed_at`` marks it); False when there is nothing to send."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient__user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.user.email:
            return False
        event = events_for_delivery().get(pk=notification.event_id)
        payload = event_payload(event)
        context = {
            "notification": notification,
            "payload": payload,
            "data": payload["data"],
            "person": notification.recipient.user.get_full_name()
            or notification.recipient.user.get_username(),
            "preferences_url": settings.MLTEAM_BASE_URL.rstrip("/") + "/notifications/preferences/",
        }
        message = EmailMultiAlternatives(
            subject=_subject(notification.event_type, payload),
            body=render_to_string("notifications/email/notification.txt", context),
            to=[notification.recipient.user.email],
        )
        message.attach_alternative(
            render_to_string("notifications/email/notification.html", context), "text/html"
        )
        message.send()
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True
