"""Signed deliveries to a real local receiver, retries with backoff, the SSRF guard, the API."""

import socket

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mlteam.kernel.enums import AuditAction, Stage
from mlteam.kernel.errors import InvalidInput, NotAllowed
from mlteam.kernel.models import AuditEvent
from mlteam.notifications import delivery, services
from mlteam.notifications.models import (
    DeliveryState,
    Notification,
    WebhookDelivery,
    WebhookSubscription,
)
from mlteam.registry import services as engine

pytestmark = pytest.mark.django_db


def subscribe(world, url, events=None):
    return services.webhook_create(actor=world.lead, url=url, events=events or [])


def queued(world, created, message_id="msg_test", **fields) -> WebhookDelivery:
    """A delivery of a version.registered event, as the fan-out would have queued it."""
    event = world.register().events.get(action=AuditAction.ARTIFACT_REGISTERED)
    return WebhookDelivery.objects.create(
        subscription=created.subscription,
        event=event,
        event_type="version.registered",
        message_id=message_id,
        **fields,
    )


def registered(world, committed):
    with committed(execute=True):
        return world.register()


def test_a_delivery_verifies_with_the_standard_webhooks_library(
    world, run_tasks, receiver, django_capture_on_commit_callbacks
):
    created = subscribe(world, receiver.url, ["version.registered"])
    artifact = registered(world, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    payload = Webhook(created.secret).verify(body, headers)
    assert payload["type"] == "version.registered" and payload["payload_version"] == 1
    assert payload["data"]["model"]["name"] == "intent-classifier"
    assert payload["data"]["version"]["number"] == artifact.version
    assert payload["data"]["version"]["url"].endswith(
        f"/models/intent-classifier/v{artifact.version}/"
    )
    assert headers["webhook-id"] == f"msg_{payload['id'][4:]}_{created.subscription.pk}"
    with pytest.raises(WebhookVerificationError):
        Webhook(services.new_secret()).verify(body, headers)  # another secret does not verify
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


def test_only_the_subscribed_events_are_delivered(
    world, run_tasks, receiver, django_capture_on_commit_callbacks
):
    subscribe(world, receiver.url, ["promotion.requested"])
    artifact = registered(world, django_capture_on_commit_callbacks)
    world.passing_evals(artifact)
    with django_capture_on_commit_callbacks(execute=True):
        engine.promotion_request(artifact=artifact, to_stage=Stage.STAGING, actor=world.requester)
    assert [b["type"] for b in receiver.bodies()] == ["promotion.requested"]


def test_a_failing_receiver_sees_the_retries_then_the_delivery_fails(
    world, run_tasks, receiver, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    receiver.status = 503
    created = subscribe(world, receiver.url)
    item = queued(world, created)
    delays = []
    for attempt in range(1, 7):  # the worker picks each deferred retry up
        with django_capture_on_commit_callbacks(execute=True):
            result = services.delivery_attempt(delivery_id=item.pk)
        if result.retry_at:
            delays.append(round((result.retry_at - result.attempt.at).total_seconds() / 60))
        assert result.attempt.status_code == 503 and result.attempt.number == attempt
    assert len(receiver.requests) == 6
    assert delays == [1, 5, 10, 15, 30]  # six attempts over about an hour
    item.refresh_from_db()
    assert (
        item.state == DeliveryState.FAILED and item.attempts == 6 and item.next_attempt_at is None
    )


def test_a_redirect_is_not_followed_and_not_retried(world, run_tasks, receiver, settings):
    receiver.status = 302
    created = subscribe(world, receiver.url)
    artifact = world.register()
    event = artifact.events.get(action=AuditAction.ARTIFACT_REGISTERED)
    item = WebhookDelivery.objects.create(
        subscription=created.subscription,
        event=event,
        event_type="version.registered",
        message_id="msg_test",
    )
    result = services.delivery_attempt(delivery_id=item.pk)
    assert result.state == DeliveryState.FAILED and result.retry_at is None
    assert len(receiver.requests) == 1


def test_twenty_failures_in_a_row_disable_the_subscription_and_tell_its_creator(
    world, run_tasks, receiver, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    receiver.status = 500
    created = subscribe(world, receiver.url)
    event = world.register().events.get(action=AuditAction.ARTIFACT_REGISTERED)
    for n in range(services.DISABLE_AFTER_FAILURES):
        item = WebhookDelivery.objects.create(
            subscription=created.subscription,
            event=event,
            event_type="version.registered",
            message_id=f"msg_fail_{n}",
            state=DeliveryState.RETRYING,
        )
        services.delivery_attempt(delivery_id=item.pk)
    subscription = created.subscription
    subscription.refresh_from_db()
    assert not subscription.active and "20 failed deliveries" in subscription.disabled_reason
    told = Notification.objects.get(recipient=world.lead, event_type="webhook.disabled")
    assert told.event.action == AuditAction.WEBHOOK_CHANGED
    assert services.delivery_attempt(delivery_id=item.pk) is None  # inactive: nothing sent


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:9/hook", "internal address"),
        ("http://10.1.2.3/hook", "internal address"),
        ("http://169.254.169.254/latest/meta-data/", "internal address"),
        ("http://[::1]/hook", "internal address"),
        ("http://[::ffff:192.168.0.1]/hook", "internal address"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ],
)
def test_internal_targets_are_refused_at_send_time(url, reason):
    with pytest.raises(delivery.UnsafeTarget, match=reason):
        delivery.check_target(url)


def test_a_public_name_that_resolves_inside_is_refused(monkeypatch):
    def resolves_privately(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolves_privately)
    with pytest.raises(delivery.UnsafeTarget, match=r"192\.168\.1\.20"):
        delivery.check_target("https://hooks.example.com/x")


def test_a_refused_target_is_logged_not_sent(world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    created = subscribe(world, "http://127.0.0.1:9/hook")
    event = world.register().events.get(action=AuditAction.ARTIFACT_REGISTERED)
    item = WebhookDelivery.objects.create(
        subscription=created.subscription,
        event=event,
        event_type="version.registered",
        message_id="msg_refused",
    )
    result = services.delivery_attempt(delivery_id=item.pk)
    assert result.state == DeliveryState.REFUSED and "internal address" in result.attempt.error


@pytest.mark.parametrize(
    "url, code",
    [
        ("ftp://hooks.example.com/x", "invalid_url"),
        ("https://user:secret@hooks.example.com/x", "invalid_url"),
        ("https:///nohost", "invalid_url"),
        ("https://x.example.com/" + "a" * 2100, "too_long"),
    ],
)
def test_bad_subscription_urls_are_refused(world, url, code):
    with pytest.raises(InvalidInput) as refused:
        subscribe(world, url)
    assert refused.value.code == code


def test_only_ml_leads_subscribe_and_changes_are_audited(world):
    with pytest.raises(NotAllowed):
        services.webhook_create(actor=world.gate, url="https://hooks.example.com/x")
    created = subscribe(world, "https://hooks.example.com/x", ["eval.recorded"])
    services.webhook_update(actor=world.lead, subscription=created.subscription, active=False)
    services.webhook_delete(actor=world.lead, subscription=created.subscription)
    events = AuditEvent.objects.filter(action=AuditAction.WEBHOOK_CHANGED).order_by("id")
    assert [e.details["verb"] for e in events] == ["added", "changed", "deleted"]
    assert all(created.secret not in (e.summary + str(e.details)) for e in events)


def test_the_admin_subscribes_through_the_service_and_shows_the_secret_once(world, client):
    world.lead.user.is_staff = world.lead.user.is_superuser = True
    world.lead.user.save()
    client.force_login(world.lead.user)
    response = client.post(
        "/admin/notifications/webhooksubscription/add/",
        {
            "url": "https://hooks.example.com/admin",
            "events": ["eval.recorded"],
            "description": "",
            "active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.created_by == world.lead and subscription.events == ["eval.recorded"]
    assert subscription.secret in response.content.decode()  # the message after adding
    assert AuditEvent.objects.filter(action=AuditAction.WEBHOOK_CHANGED).count() == 1
    page = client.get(f"/admin/notifications/webhooksubscription/{subscription.pk}/change/")
    assert subscription.secret not in page.content.decode()
