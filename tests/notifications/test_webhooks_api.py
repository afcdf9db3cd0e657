"""/api/v1/webhooks/: ML leads subscribe, list, (de)activate, delete and read deliveries."""

import pytest
from rest_framework.test import APIClient

from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.notifications.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def api_as(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member.user)
    return client


def test_create_shows_the_secret_once_then_list_patch_delete(world):
    lead = api_as(world.lead)
    body = {
        "url": "https://hooks.example.com/ci",
        "events": ["promotion.approved"],
        "description": "CI",
    }
    created = lead.post("/api/v1/webhooks/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["secret"].startswith("whsec_") and data["active"] is True
    listed = lead.get("/api/v1/webhooks/").json()["results"]
    assert [w["url"] for w in listed] == ["https://hooks.example.com/ci"]
    assert (
        "secret" not in listed[0]
        and "secret" not in lead.get(f"/api/v1/webhooks/{data['id']}/").json()
    )

    patched = lead.patch(f"/api/v1/webhooks/{data['id']}/", {"active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["active"] is False
    assert lead.get(f"/api/v1/webhooks/{data['id']}/deliveries/").json()["results"] == []
    assert lead.delete(f"/api/v1/webhooks/{data['id']}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "body, code",
    [
        ({"url": "https://hooks.example.com/x", "events": ["orbit"]}, "invalid"),
        ({"url": "ftp://hooks.example.com/x"}, "invalid_url"),
        ({"url": "https://me:pw@hooks.example.com/x"}, "invalid_url"),
        ({"events": []}, "invalid"),
        ({"url": "https://hooks.example.com/x", "description": "d" * 301}, "too_long"),
        ({"url": "https://hooks.example.com/" + "x" * 2048}, "too_long"),
    ],
)
def test_bad_input_is_a_json_400_and_changes_nothing(world, body, code):
    response = api_as(world.lead).post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400 and response["content-type"] == "application/json"
    assert response.json()["error"] == code
    assert not WebhookSubscription.objects.exists()


def test_only_ml_leads_manage_webhooks(world):
    reader = api_as(world.gate)
    assert reader.get("/api/v1/webhooks/").json()["error"] == "not_ml_lead"
    refused = reader.post("/api/v1/webhooks/", {"url": "https://h.example.com/"}, format="json")
    assert refused.status_code == 403 and not WebhookSubscription.objects.exists()
    assert APIClient().get("/api/v1/webhooks/").status_code == 401


def test_redeliver_queues_a_delivery_again(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    lead = api_as(world.lead)
    hook = lead.post(
        "/api/v1/webhooks/", {"url": "https://hooks.example.com/x"}, format="json"
    ).json()
    event = world.register().events.first()
    item = WebhookDelivery.objects.create(
        subscription_id=hook["id"],
        event=event,
        event_type="version.registered",
        message_id="msg_api",
        state="failed",
        attempts=6,
    )
    again = lead.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{item.pk}/redeliver/")
    assert again.status_code == 202 and again.json()["state"] == "pending"
    told = AuditEvent.objects.get(action=AuditAction.WEBHOOK_REDELIVERED)
    assert told.actor == world.lead.user and told.details["delivery"] == item.pk
    assert lead.post(f"/api/v1/webhooks/{hook['id']}/deliveries/999/redeliver/").status_code == 404
